"""A held-out labelled set for the fact check (issue 10), written without reading its rules.

Same format and labelling rules as ``tests/fact_check_cases.py``: each case lists what a
careful reader would flag: ``missing`` (details of the source the draft drops, as written in
the source) and ``invented`` (details of the draft found in neither the source nor ``given``,
as written in the draft). Summaries: only details of the title and first paragraph, or
repeated three times, can be missing. Written to measure the check honestly: none of these
cases was used to tune it. Dates with a weekday agree with the calendar of 2027.
"""

# Drafts keep the en dashes small models write in titles ("Sales report \u2013 May").
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

CASES: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- emails and replies
    {
        "kind": "email",
        "source": (
            "tell Maria the kickoff moves to Thursday 4 March at 9:30, room B-214. "
            "she should bring the printed budget sheet"
        ),
        "given": ["Maria Keller", "Tom Becker"],
        "draft": (
            "Subject: Kickoff moved to Thursday\n\n"
            "Hi Maria,\n\n"
            "Quick update: the kickoff has moved to Thursday, 4 March, at 9:30 in room B-214. "
            "Please bring the printed budget sheet.\n\n"
            "Best regards,\nTom Becker"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "reply to Daniel: yes we can deliver the 40 chairs by Friday 11 June. "
            "price stays at €85 per chair."
        ),
        "given": ["Daniel", "Sarah Olsen"],
        "draft": (
            "Dear Daniel,\n\n"
            "Thank you for your message. I am happy to confirm that we can deliver the 40 "
            "chairs by Friday, 11 June. The price remains €85 per chair.\n\n"
            "Kind regards,\n"
            "Sarah Olsen\n"
            "Sales Manager, Brightwood Furniture Ltd.\n"
            "Tel: +44 20 7946 0321"
        ),
        "missing": [],
        "invented": ["Brightwood Furniture Ltd.", "+44 20 7946 0321"],
    },
    {
        "kind": "email",
        "source": (
            "email the team: offsite is three days, 12-14 September, in Lisbon. "
            "budget 2,500 euros per person. sign up by 1 August."
        ),
        "given": ["Lena"],
        "draft": (
            "Hi all,\n\n"
            "Our offsite will last 3 days, from 12 to 14 September, in Lisbon. The budget is "
            "€2,500 per person. Please sign up by August 1st.\n\n"
            "Cheers,\nLena"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "Email from John Parker:\n"
            "Hi Emma, could we move our call to Tuesday at 2 p.m.? Thanks, John\n\n"
            "My notes: yes, Tuesday 2 p.m. is fine"
        ),
        "given": ["Emma Wright"],
        "draft": (
            "Hi Jon,\n\nTuesday at 2 p.m. works for me. Talk to you then.\n\nBest,\nEmma Wright"
        ),
        "missing": ["John Parker"],
        "invented": ["Jon"],
    },
    {
        "kind": "email",
        "source": (
            "write to the landlord about the broken heating in flat 4B since Monday. "
            "ask for a repair this week."
        ),
        "given": ["Ana Ruiz"],
        "draft": (
            "Dear [Landlord's Name],\n\n"
            "I am writing to let you know that the heating in flat 4B has not been working "
            "since Monday. Could you please arrange a repair this week?\n\n"
            "Thank you,\nAna Ruiz\n<Phone Number>"
        ),
        "missing": [],
        "invented": ["[Landlord's Name]", "<Phone Number>"],
    },
    {
        "kind": "email",
        "source": (
            "invite the volunteers to the cleanup on Saturday 2 October 10:00 at Riverside "
            "Park. gloves provided."
        ),
        "draft": (
            "Hello {name},\n\n"
            "Join us for the cleanup on Saturday, 2 October at 10:00 at Riverside Park! "
            "Gloves will be provided. Please reply by XXX.\n\n"
            "See you there,\n__"
        ),
        "missing": [],
        "invented": ["{name}", "XXX", "__"],
    },
    {
        "kind": "email",
        "source": (
            "to Mr Alvarez: confirm booking, 2 double rooms, 3 nights, check-in 17 May. "
            "booking ref HX-48213. total £540."
        ),
        "given": ["Priya Shah"],
        "draft": (
            "Dear Mr Alvarez,\n\n"
            "I would like to confirm our booking of 3 double rooms for 2 nights, with "
            "check-in on 17 May. The booking reference is HX-48213 and the total is £540.\n\n"
            "Kind regards,\nPriya Shah"
        ),
        "missing": ["2 double rooms", "3 nights"],
        "invented": ["3 double rooms", "2 nights"],
    },
    {
        "kind": "email",
        "source": (
            "Claire asked for references. our largest client last year was Microsoft; "
            "renewed with Siemens in March for 2 more years. "
            "Contact at Siemens: Jonas Weber, jonas.weber@siemens.example"
        ),
        "given": ["Marc"],
        "draft": (
            "Hi Claire,\n\n"
            "Happy to share some references. Microsoft was our largest client last year. "
            "Siemens renewed with us in March for two more years; you can reach Jonas Weber "
            "there at jonas.weber@siemens.example.\n\n"
            "Best,\nMarc"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "tell the team: Apple and Deloitte both signed up for the pilot. start date 2 June. "
            "kick-off call with Deloitte's Ravi Menon."
        ),
        "given": ["Helen"],
        "draft": (
            "Hello team,\n\n"
            "Good news: Apple has signed up for the pilot, which starts on 2 June. "
            "Accenture has signed up as well, and we will hold the kick-off call with "
            "Ravi Menon.\n\n"
            "Thanks,\nHelen"
        ),
        "missing": ["Deloitte"],
        "invented": ["Accenture"],
    },
    {
        "kind": "email",
        "source": (
            "tell Sofia that the contract with van der Berg Logistics is signed. meeting with "
            "Mr de la Cruz in Rotterdam on 22 April."
        ),
        "given": ["Peter"],
        "draft": (
            "Hi Sofia,\n\n"
            "The contract with van der Berg Logistics has been signed. We are meeting "
            "Mr de la Cruz in Rotterdam on 22 April.\n\n"
            "Best wishes,\nPeter"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "Notes for all staff: visit from Anneke van Dijk (ING) on Wednesday 6 October, "
            "11:00. Lunch booked at De Kas for 4 people."
        ),
        "given": ["Bram"],
        "draft": (
            "Dear colleagues,\n\n"
            "Anneke Dijkstra from ING will visit us on Wednesday, 6 October at 11:00. "
            "Lunch for four has been booked at De Kas.\n\n"
            "Regards,\nBram"
        ),
        "missing": ["Anneke van Dijk"],
        "invented": ["Anneke Dijkstra"],
    },
    {
        "kind": "email",
        "source": (
            "Email from Jean-Luc Moreau: 'Could you send the signed NDA to "
            "legal@moreau-partners.fr?'\n"
            "Reply: sent it today, with a copy to Marie-Claire Dubois."
        ),
        "given": ["Hannah Schmidt"],
        "draft": (
            "Dear Jean-Luc,\n\n"
            "I sent the signed NDA to legal@moreau-partners.fr today, with a copy to "
            "Marie-Claire Dubois.\n\n"
            "Kind regards,\nHannah Schmidt"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "Tell the guests: for a late arrival call reception on +33 1 42 68 53 00 or the "
            "night manager at 06 12 34 56 78. Check-in after 23h00 via the key box, code 4471."
        ),
        "draft": (
            "Dear guests,\n\n"
            "If you arrive late, please call reception at +33 1 42 68 53 00 or our night "
            "manager at 06 12 34 56 87. After 11 p.m., check-in is via the key box "
            "(code 4471).\n\n"
            "Warm regards,\nHotel Lumière"
        ),
        "missing": ["06 12 34 56 78"],
        "invented": ["06 12 34 56 87", "Hotel Lumière"],
    },
    {
        "kind": "email",
        "source": (
            "support reply: the refund for order #A-55120 ($129.99) was issued on 3/14. "
            "questions: call 1-800-555-0199 or see help.shopwise.com/refunds"
        ),
        "given": ["Kevin", "Shopwise Support"],
        "draft": (
            "Hi Kevin,\n\n"
            "Good news: the refund of $129.99 for your order A-55120 was issued on March 14. "
            "If you have any questions, call us at (800) 555-0199 or visit "
            "https://help.shopwise.com/refunds.\n\n"
            "Best,\nShopwise Support"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "Original email from Laura Chen: 'Hi, is the conference still on 18 November 2027 "
            "in Vienna? Laura'\n"
            "Notes: yes, still 18 Nov in Vienna, registration closes 1 October."
        ),
        "given": ["Laura Chen", "Mark Dubois"],
        "draft": (
            "Hi Laura,\n\n"
            "Yes, the conference is still on 18 November 2026 in Vienna. Please note that "
            "registration closes on 1 October.\n\n"
            "Best regards,\nMark Dubois"
        ),
        "missing": ["18 November 2027"],
        "invented": ["18 November 2026"],
    },
    {
        "kind": "email",
        "source": (
            "reply to investor Oliver Grant: we closed the seed round at $1.2M; UK revenue "
            "was £300k in 2024; next update in January."
        ),
        "given": ["Nadia"],
        "draft": (
            "Dear Oliver,\n\n"
            "Thank you for checking in. We closed our seed round at $1.2 million, and our UK "
            "business generated £300,000 in revenue in 2024. I will send the next update in "
            "January.\n\n"
            "Best regards,\nNadia"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "tell the team the server maintenance is tonight 22:00-23:30 CET, VPN down.",
        "given": ["Robert Klein"],
        "draft": (
            "Hi team,\n\n"
            "Please note that server maintenance takes place tonight from 22:00 to 23:30 CET. "
            "The VPN will be unavailable during this time.\n\n"
            "Thanks,\nRobert Klein\nrobert.klein@example.com"
        ),
        "missing": [],
        "invented": ["robert.klein@example.com"],
    },
    {
        "kind": "email",
        "source": (
            "email Mr Tanaka his travel: flight LH 716 from Frankfurt on 3 December, departs "
            "13:25, arrives Tokyo Haneda 08:50 next day. hotel room 1208."
        ),
        "given": ["Mr Tanaka", "Julia"],
        "draft": (
            "Dear Mr Tanaka,\n\n"
            "Here are your travel details: you fly on LH716 from Frankfurt on 3 December, "
            "departing at 1:25 p.m. and arriving at Tokyo Haneda at 8:50 a.m. the next day. "
            "Your hotel room is 1208.\n\n"
            "Best regards,\nJulia"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "Remind the board: budget review Thursday 25 February at 15:00, boardroom 3. "
            "Papers due 18 Feb."
        ),
        "given": ["Ines"],
        "draft": (
            "Dear board members,\n\n"
            "This is a reminder that the budget review takes place on Thursday, 25 February "
            "in boardroom 3. Please submit your papers by Monday, 18 February.\n\n"
            "Kind regards,\nInes"
        ),
        "missing": ["15:00"],
        "invented": ["Monday"],
    },
    {
        "kind": "email",
        "source": (
            "Original email from Priya: 'Could we meet tomorrow at 10:30 in the Atrium café?'\n"
            "Notes: yes, fine, I'll bring the draft contract."
        ),
        "given": ["Priya", "Leo"],
        "draft": (
            "Hi Priya,\n\n"
            "Half past ten at the Atrium café works for me. I'll bring the draft contract.\n\n"
            "See you tomorrow,\nLeo"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": (
            "responder a Lucía: el pedido 4471-B llega el martes; el técnico, Javier Romero, "
            "instalará la máquina el miércoles a las 9."
        ),
        "given": ["Marta"],
        "draft": (
            "Hola Lucía:\n\n"
            "Te confirmo que el pedido 4471-B llegará el martes y que nuestro técnico, "
            "Javier Romero, instalará la máquina el miércoles a las 9:00.\n\n"
            "Un saludo,\nMarta"
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": ("remind members: annual fee €60 due by 31 January, pay via bank transfer."),
        "draft": (
            "Dear members,\n\n"
            "A friendly reminder that the annual membership fee of €65 is due by 31 January. "
            "You can pay by bank transfer or online at www.clubpay.example/fees.\n\n"
            "Best wishes,\nThe Committee"
        ),
        "missing": ["€60"],
        "invented": ["€65", "www.clubpay.example/fees"],
    },
    # ---------------------------------------------------------------- status reports
    {
        "kind": "report",
        "source": (
            "week 12 status\n"
            "- migration 80% done\n"
            "- 3 bugs open, 1 critical (BUG-2291)\n"
            "- Ahmed on leave Mon-Wed\n"
            "- demo for Contoso on 28 March"
        ),
        "draft": (
            "Status report – week 12\n\n"
            "Progress\n"
            "- The migration is 80 percent complete.\n"
            "- Three bugs remain open; one of them (BUG-2291) is critical.\n\n"
            "Team\n"
            "- Ahmed is on leave from Monday to Wednesday.\n\n"
            "Next steps\n"
            "- Demo for Contoso on 28 March."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": (
            "sales update for May: revenue 412,000 EUR (+15% vs April). new customers: 27. "
            "churn 2.5%. top region: Bavaria."
        ),
        "draft": (
            "Sales report – May\n\n"
            "- Revenue reached €412,000, up 15 % compared with April.\n"
            "- We won 27 new customers.\n"
            "- Churn was 3.5%.\n"
            "- Bavaria was our top region, led by Thomas Huber."
        ),
        "missing": ["2.5%"],
        "invented": ["3.5%", "Thomas Huber"],
    },
    {
        "kind": "report",
        "source": (
            "site inspection 14.05.: crack in north wall, 5 m long; water temp in tank 20 °C; "
            "2 pumps replaced; next visit 11 June"
        ),
        "draft": (
            "Site inspection report (14 May)\n\n"
            "1. A crack about 5 metres long was found in the north wall.\n"
            "2. The water in the tank measured 20 degrees Celsius.\n"
            "3. Two pumps were replaced.\n\n"
            "The next visit is scheduled for 11 June."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": (
            "route survey done: 3 km of cable laid, 2 GB of sensor data uploaded, crew of 6, "
            "finished at half past four."
        ),
        "draft": (
            "Survey report\n\n"
            "- 3 km of cable were laid.\n"
            "- 2 TB of sensor data were uploaded.\n"
            "- The crew of six finished at 4:30."
        ),
        "missing": ["2 GB"],
        "invented": ["2 TB"],
    },
    {
        "kind": "report",
        "source": (
            "short report for management: pilot finished, 120 users, satisfaction 4.2 of 5, "
            "cost 18,400 USD, recommend rollout."
        ),
        "draft": (
            "[Project Name] Pilot – Final Report\n\n"
            "The pilot was completed on 30 September with 120 users. Average satisfaction was "
            "4.2 out of 5, and the total cost came to $18,400. We recommend a full rollout."
        ),
        "missing": [],
        "invented": ["[Project Name]", "30 September"],
    },
    {
        "kind": "report",
        "source": (
            "meeting notes: NATO liaison visit postponed to 10 July. IKEA supplier audit "
            "passed. UNICEF grant of 50,000 CHF approved."
        ),
        "draft": (
            "Weekly report\n\n"
            "- The NATO liaison visit has been postponed to 10 July.\n"
            "- The IKEA supplier audit was passed.\n"
            "- UNICEF approved a grant of CHF 50,000."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": (
            "incidents this week: 2 outages (total 47 min), root cause DNS misconfig at "
            "provider OVH. Ticket INC-30417 closed Friday."
        ),
        "draft": (
            "Incident report\n\n"
            "- Two outages this week, lasting 47 minutes in total.\n"
            "- Root cause: a DNS misconfiguration at our provider AWS.\n"
            "- Ticket INC-30417 was closed on Thursday."
        ),
        "missing": ["OVH", "Friday"],
        "invented": ["AWS", "Thursday"],
    },
    {
        "kind": "report",
        "source": (
            "Notizen Projekt Nordlicht: Budget 1,2 Mio. €, verbraucht 830.000 €, Abschluss "
            "geplant 30. Juni."
        ),
        "draft": (
            "Statusbericht Projekt Nordlicht\n\n"
            "- Budget: 1,2 Millionen Euro\n"
            "- Bisher verbraucht: 830 000 €\n"
            "- Geplanter Abschluss: 30.06."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": (
            "hiring update: 2 offers accepted (Maya Lin, backend; Oskar Nilsson, design). "
            "Recruiter: Talentory. Start dates: 1 September and 15 September."
        ),
        "draft": (
            "Hiring update\n\n"
            "- Two offers have been accepted: Maya Lin (backend) and one designer.\n"
            "- Both start in September."
        ),
        "missing": ["Oskar Nilsson", "Talentory", "1 September", "15 September"],
        "invented": [],
    },
    {
        "kind": "report",
        "source": (
            "shift handover: 14h30 delivery from Brenner GmbH, 40 pallets; forklift 2 out of "
            "service; call Lukas +49 170 1234567 if issues."
        ),
        "draft": (
            "Handover report\n\n"
            "A delivery of 40 pallets from Brenner GmbH arrives at 2:30 p.m. Forklift no. 2 is "
            "out of service. If there are any problems, phone Lukas on +49 170 1234567."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "release 4.3 shipped on Tuesday. 12 fixes. docs updated.",
        "draft": (
            "Release report\n\n"
            "- Version 4.3 was released on Tuesday.\n"
            "- It includes 12 fixes.\n"
            "- The documentation has been updated at https://docs.example.com/release-notes.\n"
            "- Questions: release-team@example.com"
        ),
        "missing": [],
        "invented": ["https://docs.example.com/release-notes", "release-team@example.com"],
    },
    {
        "kind": "report",
        "source": "quarterly HR numbers: 18 new hires, 12 departures, headcount now 214.",
        "draft": "HR report\n\n- New hires: 12\n- Departures: 18\n- Current headcount: 214",
        "missing": ["18 new hires", "12 departures"],
        "invented": ["New hires: 12", "Departures: 18"],
    },
    # ---------------------------------------------------------------- translations
    {
        "kind": "translation",
        "source": (
            "The workshop on 12 May starts at 9:00. Twelve participants have registered. "
            "Contact: Eva Lindqvist, eva@lindqvist.se."
        ),
        "draft": (
            "Der Workshop am 12. Mai beginnt um 9:00 Uhr. Zwölf Teilnehmende haben sich "
            "angemeldet. Kontakt: Eva Lindqvist, eva@lindqvist.se."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "Die Rechnung Nr. 2024-117 über 4.800 € ist am 1. Juli fällig. Bei Fragen wenden "
            "Sie sich bitte an Frau Schneider unter 030 12345678."
        ),
        "draft": (
            "Invoice no. 2024-117 for €4,800 is due on July 1st. If you have any questions, "
            "please contact Ms Schneider on 030 12345678."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "Our office in Lyon will be closed from 23 December to 2 January. Urgent requests: "
            "support@atelier-lumen.fr."
        ),
        "draft": (
            "Notre bureau de Lyon sera fermé du 23 décembre au 3 janvier. Pour les demandes "
            "urgentes : support@atelier-lumen.fr."
        ),
        "missing": ["2 January"],
        "invented": ["3 janvier"],
    },
    {
        "kind": "translation",
        "source": (
            "La réunion avec la société Renault aura lieu le 1er juillet à 14h30, salle 305. "
            "Merci de confirmer avant le 25 juin."
        ),
        "draft": (
            "The meeting with Renault will take place on 1 July at 2:30 p.m. in room 305. "
            "Please confirm by 25 June."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "Sales in Madrid grew by fifteen per cent in March. Carlos Ortega will present the "
            "figures on Monday at 10:00."
        ),
        "draft": (
            "Las ventas en Madrid crecieron un 15 % en marzo. Las cifras se presentarán el "
            "lunes a las 10:30."
        ),
        "missing": ["Carlos Ortega", "10:00"],
        "invented": ["10:30"],
    },
    {
        "kind": "translation",
        "source": (
            "Estimada Sra. de la Fuente: le confirmamos su reserva para 3 personas el sábado "
            "6 de marzo a las 21:00 en el restaurante Casa Lucio."
        ),
        "draft": (
            "Dear Ms de la Fuente, we confirm your reservation for three people on Saturday, "
            "6 March at 9 p.m. at the Casa Lucio restaurant."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Please send the signed contract to our office in Milan by 30 April.",
        "draft": (
            "La preghiamo di inviare il contratto firmato al nostro ufficio di Milano entro "
            "il 30 aprile.\n\nCordiali saluti,\nGiulia Bianchi"
        ),
        "missing": [],
        "invented": ["Giulia Bianchi"],
    },
    {
        "kind": "translation",
        "source": (
            "Il volo AZ 610 per New York parte alle 10:15 dal Terminal 1 di Fiumicino. "
            "Il check-in chiude 60 minuti prima."
        ),
        "draft": (
            "Flight AZ 610 to New York departs at 10:15 from Terminal 1 at Fiumicino. "
            "Check-in closes 60 minutes before departure."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "The rent of 950 euros is due on the 5th of each month. The deposit is two months' "
            "rent."
        ),
        "draft": (
            "O aluguel de 590 euros vence no dia 5 de cada mês. A caução é de dois meses de "
            "aluguel."
        ),
        "missing": ["950 euros"],
        "invented": ["590 euros"],
    },
    {
        "kind": "translation",
        "source": (
            "A entrega do pedido nº 88213 está prevista para quinta-feira, 14 de outubro, "
            "entre 9h e 12h. Dúvidas: (11) 3456-7890."
        ),
        "draft": (
            "Delivery of order no. 88213 is scheduled for Thursday, 14 October, between 9 a.m. "
            "and 12 noon. Questions: (11) 3456-7890."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "Dear Mr van der Meer, your appointment with Dr Jansen is on Wednesday 2 June at 8:45."
        ),
        "draft": (
            "Geachte heer Van der Meer, uw afspraak met dr. Janssen is op woensdag 2 juni om "
            "8.45 uur."
        ),
        "missing": ["Jansen"],
        "invented": ["Janssen"],
    },
    {
        "kind": "translation",
        "source": (
            "De vergadering van het bestuur van Stichting Groen is verplaatst naar dinsdag "
            "16 maart om half elf in Utrecht."
        ),
        "draft": (
            "The board meeting of Stichting Groen has been moved to Tuesday 16 March at 10:30 "
            "in Utrecht."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "Am Freitag, dem 5. November, besucht Herr Dr. Hoffmann unser Werk in Stuttgart. "
            "Treffpunkt ist um 8:30 Uhr am Tor 2."
        ),
        "draft": (
            "On Thursday, 5 November, Dr Hoffmann will visit our plant. We will meet at 8:30 "
            "at Gate 2."
        ),
        "missing": ["Freitag", "Stuttgart"],
        "invented": ["Thursday"],
    },
    {
        "kind": "translation",
        "source": "The startup raised $1.2M from investors in Berlin and Zurich.",
        "draft": (
            "Das Start-up hat 1,2 Mio. US-Dollar von Investoren in Berlin und Zürich eingesammelt."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": (
            "Pour toute question, appelez le 01 45 67 89 10 ou consultez www.mairie-exemple.fr. "
            "Horaires : du lundi au vendredi, 8h30-17h."
        ),
        "draft": (
            "For any questions, call 01 45 67 89 01. Opening hours: Monday to Friday, "
            "8:30 a.m. to 5 p.m."
        ),
        "missing": ["01 45 67 89 10", "www.mairie-exemple.fr"],
        "invented": ["01 45 67 89 01"],
    },
    {
        "kind": "translation",
        "source": (
            "El Ayuntamiento de Sevilla aprobó el presupuesto de 2025 el 19 de diciembre de 2024."
        ),
        "draft": "Seville City Council approved the 2025 budget on 19 December 2025.",
        "missing": ["19 de diciembre de 2024"],
        "invented": ["19 December 2025"],
    },
    {
        "kind": "translation",
        "source": (
            "Bitte überweisen Sie 250 € bis zum 15. März auf das Konto DE89 3704 0044 0532 0130 00."
        ),
        "draft": (
            "La preghiamo di versare 250 € entro il 15 marzo sul conto DE89 3704 0044 0532 0130 00."
        ),
        "missing": [],
        "invented": [],
    },
    # ---------------------------------------------------------------- summaries
    {
        "kind": "summary",
        "source": (
            "Annual Report 2024 – Greenfield Energy\n\n"
            "Greenfield Energy grew its revenue to €48 million in 2024 and installed 1,200 heat "
            "pumps across Austria.\n\n"
            "The year started slowly. A cold January delayed installations in Tyrol, and "
            "supply problems with compressors from our supplier Kältetechnik Braun lasted "
            "until April. From May onwards, the order book filled quickly, helped by the "
            "federal subsidy programme.\n\n"
            "In September we opened a training centre in Linz, where 85 technicians completed "
            "the certification course by the end of the year. Head of training Miriam Koller "
            "expects to double that number in 2025.\n\n"
            "Customer satisfaction reached 92 percent in our annual survey, up from 87 percent. "
            "Complaints mostly concerned waiting times for the first visit.\n\n"
            "Looking ahead, the board plans to expand into Slovenia and to launch a maintenance "
            "subscription priced at €19 per month."
        ),
        "draft": (
            "Greenfield Energy's annual report shows revenue up to €48 million in 2024 and "
            "1,200 heat pumps installed in Austria. After a slow start caused by a cold January "
            "and compressor shortages, orders picked up from May. A new training centre in "
            "Linz certified 85 technicians, customer satisfaction rose to 92 percent, and the "
            "company plans to expand into Slovenia."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": (
            "City Council Meeting – 12 March\n\n"
            "The council of Eastbrook approved a new cycle lane on Harbour Road at a cost of "
            "£2.4 million, with work starting in August.\n\n"
            "Councillor Dev Patel argued that the lane would cut car traffic near the two "
            "primary schools. Councillor Ruth Ames voted against, citing the loss of 40 parking "
            "spaces.\n\n"
            "The council also discussed the library's opening hours. A proposal to open on "
            "Sundays was postponed until the budget review in October.\n\n"
            "Residents can comment on the plans until 30 April at eastbrook.gov.uk/cycle-lane."
        ),
        "draft": (
            "Eastbrook's council approved a cycle lane on Harbour Road, with construction "
            "beginning in August. Supporters said it would reduce traffic near schools, while "
            "opponents pointed to the loss of 60 parking spaces. A decision on Sunday library "
            "opening was postponed."
        ),
        "missing": ["12 March", "£2.4 million"],
        "invented": ["60 parking spaces"],
    },
    {
        "kind": "summary",
        "source": (
            "Product Update: Notes App 3.0\n\n"
            "Version 3.0 of our notes app is now available for all users on desktop and "
            "mobile.\n\n"
            "The biggest change is offline sync. Notes created without a connection are stored "
            "locally and uploaded as soon as the device is back online. In our tests with "
            "Helsinki University, offline sync handled more than 10,000 notes without "
            "conflicts.\n\n"
            "We rebuilt the editor as well. Tables, checklists and code blocks now work the "
            "same on every device, and the editor starts twice as fast.\n\n"
            "Helsinki University also tested the new sharing options: a shared notebook can "
            "now have up to 50 members, each with read or write access. According to the team "
            "at Helsinki University, this replaced three separate tools they had been using.\n\n"
            "Version 3.0 is free for existing subscribers. The price for new subscribers stays "
            "at $4.99 per month."
        ),
        "draft": (
            "Notes App 3.0 is out for desktop and mobile. It adds offline sync that stores notes "
            "locally until the device reconnects, a rebuilt and faster editor with tables and "
            "checklists, and shared notebooks for up to 50 members. Existing subscribers get "
            "the update free; new subscribers pay $4.99 a month."
        ),
        "missing": ["Helsinki University"],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": (
            "Minutes: Website Relaunch Working Group\n\n"
            "The working group agreed to relaunch the company website on 1 September, two "
            "weeks later than planned.\n\n"
            "Present were Ana Costa (marketing), Felix Brandt (IT) and Yusuf Demir (design). "
            "Felix reported that the new content management system is installed and that 140 "
            "of the 210 pages have been migrated. Yusuf showed the final designs, which were "
            "approved with small changes to the colour of the buttons.\n\n"
            "Ana raised the question of translations. The German and French versions will "
            "follow in October; the Spanish version has no date yet.\n\n"
            "Next meeting: Thursday at 10:00."
        ),
        "draft": (
            "The website relaunch working group moved the launch to 1 September, two weeks "
            "behind schedule. Migration is well under way (140 of 210 pages), the designs were "
            "approved, and German and French versions will follow in October. The agency "
            "Pixelhaus will handle the Spanish version, coordinated by Laura Weiss."
        ),
        "missing": [],
        "invented": ["Pixelhaus", "Laura Weiss"],
    },
    {
        "kind": "summary",
        "source": (
            "Hochwasser in Passau: Pegel sinkt langsam\n\n"
            "Nach dem Hochwasser vom Wochenende ist der Pegel der Donau in Passau am Dienstag "
            "auf 8,20 Meter gesunken. Am Sonntag hatte er noch bei 10,10 Metern gelegen.\n\n"
            "Die Stadt hat die Altstadt weiterhin gesperrt. Rund 300 Helferinnen und Helfer "
            "von Feuerwehr und THW sind im Einsatz, um Keller auszupumpen und Sandsäcke zu "
            "entfernen. Oberbürgermeister Jürgen Dupper dankte den Einsatzkräften.\n\n"
            "Die Schulen in der Innenstadt bleiben bis Freitag geschlossen. Informationen gibt "
            "es unter der Hotline 0851 396-0 und auf www.passau.de."
        ),
        "draft": (
            "Der Pegel der Donau in Passau ist bis Dienstag auf 8,20 m zurückgegangen, nachdem "
            "er am Sonntag 10,10 m erreicht hatte. Die Altstadt bleibt gesperrt, rund 300 "
            "Einsatzkräfte von Feuerwehr und THW helfen beim Aufräumen, und die Schulen in der "
            "Innenstadt sind bis Freitag zu."
        ),
        "missing": [],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": (
            "Survey: Remote Work Is Here to Stay\n\n"
            "A survey of 2,000 employees by the research firm Norvik Analytics found that 64 "
            "percent prefer working from home at least three days a week.\n\n"
            "Younger employees were the most enthusiastic: among those under 30, the figure "
            "rose to 71 percent. Managers were more cautious, with many saying that training "
            "new staff is harder at a distance.\n\n"
            "The survey also asked about productivity. About half of respondents said they get "
            "more done at home, while 18 percent said they are less productive.\n\n"
            "Norvik plans to repeat the survey next spring."
        ),
        "draft": (
            "A Norvik Analytics survey of 2,000 employees found that 46 percent want to work "
            "from home at least three days a week, with under-30s even keener. About half feel "
            "more productive at home."
        ),
        "missing": ["64 percent"],
        "invented": ["46 percent"],
    },
    {
        "kind": "summary",
        "source": (
            "Press release: Harbor Bank appoints new CEO\n\n"
            "Harbor Bank announced today that Elena Vasquez will become chief executive on "
            "1 January, succeeding Richard Cole, who retires after 14 years.\n\n"
            "Ms Vasquez joined the bank in 2012 and has led its retail division since 2019. "
            "Under her leadership, the division's mobile customers grew from 300,000 to "
            "1.1 million.\n\n"
            'Mr Cole said the bank was "in excellent hands". The board thanked him for '
            "steering the bank through the 2020 crisis.\n\n"
            "Harbor Bank has 48 branches in Oregon and Washington."
        ),
        "draft": (
            "[Company] has named Elena Vasquez as its next CEO from 1 January. She has run the "
            "retail division since 2019 and grew its mobile customer base to 1.1 million."
        ),
        "missing": ["Harbor Bank", "Richard Cole", "14 years"],
        "invented": ["[Company]"],
    },
    {
        "kind": "summary",
        "source": (
            "Subject: Office move to Dockside\n\n"
            "Hi all, as announced, we move to the new office at 27 Dockside Lane on Monday "
            "15 November. The old office on King Street closes on Friday 12 November.\n\n"
            "Packing crates will be delivered on 8 November. Please label each crate with your "
            "name and desk number; the movers from SwiftMove will not take unlabelled crates.\n\n"
            "Parking at Dockside is limited to 20 spaces. If you need one, write to "
            "facilities@northwind.example by 5 November.\n\n"
            "The IT team will set up the network over the weekend, so expect your computer to "
            "be ready on Monday morning.\n\n"
            "Thanks, Greta"
        ),
        "draft": (
            "Greta reminds everyone that the office moves to 27 Dockside Lane on Monday, "
            "15 November, and that the King Street office closes on Friday, 12 November. "
            "Crates arrive on 8 November and must be labelled, and parking requests go to "
            "facilities@northwind.example."
        ),
        "missing": [],
        "invented": [],
    },
]
