"""Labelled source/draft pairs for the fact check (issue 10), written by hand.

Each case lists what a careful reader would flag: ``missing`` (details of the source the
draft drops, as written in the source) and ``invented`` (details of the draft found in
neither the source nor ``given``, as written in the draft). Summaries follow the
documented rule: only details of the title and first paragraph, or repeated three times,
can be missing.
"""

from __future__ import annotations

from typing import Any

CASES: list[dict[str, Any]] = [
    # ------------------------------------------------------------------ emails
    {
        "kind": "email",
        "source": "meeting with Anna Tue 10am re Q3 budget (4,800 EUR), room B12",
        "given": ["Anna Berg", "Tom"],
        "draft": "Subject: Q3 budget meeting\n\nDear Anna,\n\nCould we meet on Tuesday at "
        "10:00 in room B12 to go through the Q3 budget of EUR 4.800?\n\nBest regards,\nTom",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "meeting with Anna Tue 10am re Q3 budget (4,800 EUR), room B12",
        "given": ["Anna Berg", "Tom"],
        "draft": "Dear Anna,\n\nCould we meet on Tuesday to go through the Q3 budget of "
        "EUR 4,800 in room B12?\n\nBest regards,\nJohn Smith\nProject Manager, FoxBridge",
        "missing": ["10am"],
        "invented": ["John Smith", "FoxBridge"],
    },
    {
        "kind": "email",
        "source": "tell Marco the invoice INV-2024-017 of €1,250.00 is overdue since 3 March; "
        "pay by 20 March",
        "given": ["Marco Rossi", "Julia"],
        "draft": "Dear Marco,\n\nI am writing about invoice INV-2024-017 for €1,250.00, which has "
        "been overdue since 3 March. Please arrange payment by 20 March.\n\nKind regards,\nJulia",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "tell Marco the invoice INV-2024-017 of €1,250.00 is overdue since 3 March; "
        "pay by 20 March",
        "given": ["Marco Rossi", "Julia"],
        "draft": "Dear Marco,\n\nInvoice INV-2024-071 for €1,520.00 is overdue. Please pay by "
        "20 March.\n\nKind regards,\nJulia",
        "missing": ["INV-2024-017", "€1,250.00", "3 March"],
        "invented": ["INV-2024-071", "€1,520.00"],
    },
    {
        "kind": "email",
        "source": "ask hotel to move booking #4471 from 12/05 to 14/05, 2 nights, late "
        "check-in around 11pm",
        "given": ["Peter Lang"],
        "draft": "Hello,\n\nCould you please move my booking #4471 from 12 May to 14 May? It "
        "is still for 2 nights, and I will check in late, around 23:00.\n\nThank you,\n"
        "Peter Lang",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "ask hotel to move booking #4471 from 12/05 to 14/05, 2 nights, late "
        "check-in around 11pm",
        "given": ["Peter Lang"],
        "draft": "Hello,\n\nCould you please move booking #4471 to 14 May? I will arrive "
        "late.\n\nYou can reach me at +44 20 7946 0958.\n\nThank you,\nPeter Lang",
        "missing": ["12/05", "2", "11pm"],
        "invented": ["+44 20 7946 0958"],
    },
    {
        "kind": "email",
        "source": "thank Sophie for the workshop on Friday; send slides by Monday; next session "
        "on 2 June at 14:30",
        "given": ["Sophie", "Lena"],
        "draft": "Hi Sophie,\n\nThank you for the great workshop on Friday! I will send the "
        "slides by Monday. Our next session is on 2 June at 2:30 pm.\n\nBest,\nLena",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "thank Sophie for the workshop on Friday; send slides by Monday; next session "
        "on 2 June at 14:30",
        "given": ["Sophie", "Lena"],
        "draft": "Hi Sophie,\n\nThank you for the great workshop at [Venue]! I will send the "
        "slides soon. Our next session is on 2 July at 14:30.\n\nBest,\n[Your Name]",
        "missing": ["Friday", "Monday", "2 June"],
        "invented": ["[Venue]", "2 July", "[Your Name]"],
    },
    {
        "kind": "email",
        "source": "Remind the team: the office is closed on 24.12. and 31.12.2025; urgent "
        "issues to support@acme.com or 0800 123 4567",
        "given": ["Team", "Karin"],
        "draft": "Dear team,\n\nA quick reminder that the office will be closed on 24 December "
        "and 31 December 2025. For anything urgent, please write to support@acme.com or "
        "call 0800 123 4567.\n\nKind regards,\nKarin",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "Remind the team: the office is closed on 31.12.2025; urgent issues to "
        "support@acme.com or 0800 123 4567",
        "given": ["Team", "Karin"],
        "draft": "Dear team,\n\nThe office will be closed on 31 December 2025. For anything "
        "urgent, please write to help@acme.com.\n\nKind regards,\nKarin Weber\nHead of "
        "Operations, Acme GmbH",
        "missing": ["support@acme.com", "0800 123 4567"],
        "invented": ["help@acme.com", "Weber", "Acme GmbH"],
    },
    {
        "kind": "email",
        "source": "Dear Ms Chen,\n\nCould you confirm the delivery of order PO-5521 (240 "
        "units) to our Lyon warehouse by 15 April?\n\nRegards,\nDavid Moreau\n\n---\nnotes: "
        "yes confirmed, 240 units, arrives 14 April, truck from Hamburg",
        "given": ["David Moreau", "Li Chen"],
        "draft": "Dear David,\n\nI can confirm that order PO-5521 with 240 units will arrive "
        "at your Lyon warehouse on 14 April, one day early. The truck leaves from Hamburg."
        "\n\nBest regards,\nLi Chen",
        "missing": ["15 April"],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "Dear Ms Chen,\n\nCould you confirm the delivery of order PO-5521 (240 "
        "units) to our Lyon warehouse by 15 April?\n\nRegards,\nDavid Moreau\n\n---\nnotes: "
        "yes confirmed, 240 units, arrives 14 April, truck from Hamburg",
        "given": ["David Moreau", "Li Chen"],
        "draft": "Dear David,\n\nI can confirm that order PO-5521 with 420 units will arrive "
        "at your Paris warehouse on 14 April by DHL.\n\nBest regards,\nLi Chen",
        "missing": ["240", "Lyon", "15 April", "Hamburg"],
        "invented": ["420", "Paris", "DHL"],
    },
    {
        "kind": "email",
        "source": "decline the offer politely, budget is frozen until Q1 2026, maybe later",
        "given": ["Mr. Howard", "Nina Patel"],
        "draft": "Dear Mr. Howard,\n\nThank you for your offer. Unfortunately, our budget is "
        "frozen until Q1 2026, so we cannot go ahead now. We may come back to you later."
        "\n\nKind regards,\nNina Patel",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "decline the offer politely, budget is frozen until Q1 2026, maybe later",
        "given": ["Mr. Howard", "Nina Patel"],
        "draft": "Dear Mr. Howard,\n\nThank you for your offer of $15,000. Unfortunately, our "
        "budget is frozen until Q1 2026.\n\nKind regards,\nNina Patel\nCEO, BrightPath Ltd.",
        "missing": [],
        "invented": ["$15,000", "BrightPath Ltd"],
    },
    {
        "kind": "email",
        "source": "flight LH 1234 Frankfurt-Boston delayed, new departure 16:45, gate B44",
        "given": ["Clients", "Travel desk"],
        "draft": "Dear all,\n\nFlight LH 1234 from Frankfurt to Boston is delayed. The new "
        "departure time is 4:45 pm from gate B44.\n\nKind regards,\nTravel desk",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "flight LH 1234 Frankfurt-Boston delayed, new departure 16:45, gate B44",
        "given": ["Clients", "Travel desk"],
        "draft": "Dear all,\n\nFlight LH 1243 from Frankfurt to Boston is delayed by 2 hours. "
        "Please go to gate B44.\n\nKind regards,\nTravel desk",
        "missing": ["LH 1234", "16:45"],
        "invented": ["LH 1243", "2"],
    },
    {
        "kind": "email",
        "source": "price increase 7.5% from 1 July; existing contracts keep old price until "
        "30 September; questions: sales@nordlicht.de",
        "given": ["Customers", "Nordlicht Sales"],
        "draft": "Dear customer,\n\nFrom 1 July our prices will rise by 7.5 %. Existing "
        "contracts keep the current price until 30 September. If you have questions, write to "
        "sales@nordlicht.de.\n\nKind regards,\nNordlicht Sales",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "price increase 7.5% from 1 July; existing contracts keep old price until "
        "30 September; questions: sales@nordlicht.de",
        "given": ["Customers", "Nordlicht Sales"],
        "draft": "Dear customer,\n\nFrom 1 July our prices will rise by 5%. If you have "
        "questions, visit www.nordlicht.de/faq.\n\nKind regards,\nNordlicht Sales",
        "missing": ["7.5%", "30 September", "sales@nordlicht.de"],
        "invented": ["5%", "www.nordlicht.de/faq"],
    },
    {
        "kind": "email",
        "source": "Hi, lunch Thursday? 12:30 at Luigi's, I'll book a table for 4",
        "given": ["Sam", "Kate"],
        "draft": "Hi Sam,\n\nAre you free for lunch on Thursday? Let's meet at 12:30 at "
        "Luigi's; I'll book a table for 4.\n\nCheers,\nKate",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "Hi, lunch Thursday? 12:30 at Luigi's, I'll book a table for 4",
        "given": ["Sam", "Kate"],
        "draft": "Hi Sam,\n\nAre you free for lunch on Wednesday? Let's meet at 12:30 at "
        "Luigi's.\n\nCheers,\nKate",
        "missing": ["Thursday", "4"],
        "invented": ["Wednesday"],
    },
    {
        "kind": "email",
        "source": "welcome new colleague Priya Nair, starts 3 Feb, desk 4.12, buddy: Jonas",
        "given": ["Team", "Maria"],
        "draft": "Dear team,\n\nPlease welcome Priya Nair, who joins us on 3 February. Priya "
        "will sit at desk 4.12, and Jonas will be her buddy for the first weeks.\n\nBest,\nMaria",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "welcome new colleague Priya Nair, starts 3 Feb, desk 4.12, buddy: Jonas",
        "given": ["Team", "Maria"],
        "draft": "Dear team,\n\nPlease welcome Priya Sharma, who joins us on 3 February from "
        "Infosys. Her buddy will be Jonas.\n\nBest,\nMaria",
        "missing": ["Priya Nair", "4.12"],
        "invented": ["Priya Sharma", "Infosys"],
    },
    {
        "kind": "email",
        "source": "send the contract to legal by tomorrow, reference CT-88/2025",
        "given": ["Paul", "Eva"],
        "draft": "Hi Paul,\n\nCould you send the contract (reference CT-88/2025) to legal by "
        "tomorrow?\n\nThanks,\nEva",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "send the contract to legal by tomorrow, reference CT-88/2025",
        "given": ["Paul", "Eva"],
        "draft": "Hi Paul,\n\nCould you send the contract for [Project Name] to legal by "
        "XX.XX.XXXX?\n\nThanks,\nEva",
        "missing": ["CT-88/2025"],
        "invented": ["[Project Name]", "XX.XX.XXXX"],
    },
    # ------------------------------------------------------------------ reports
    {
        "kind": "report",
        "source": "Q2 status: revenue 1.2 million EUR (+8%), churn 2.1%, 14 new customers, "
        "hiring of 3 engineers delayed to September, risk: supplier Nexora late",
        "draft": "## Summary\n\nIn Q2 revenue reached EUR 1.2 million, up 8%. Churn stayed at "
        "2.1% and we won 14 new customers.\n\n## Risks\n\nThe hiring of 3 engineers has moved "
        "to September, and our supplier Nexora is running late.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Q2 status: revenue 1.2 million EUR (+8%), churn 2.1%, 14 new customers, "
        "hiring of 3 engineers delayed to September, risk: supplier Nexora late",
        "draft": "## Summary\n\nIn Q2 revenue reached EUR 1.5 million, up 8%. We won 41 new "
        "customers, including Siemens.\n\n## Risks\n\nHiring has moved to September.",
        "missing": ["1.2 million EUR", "2.1%", "14", "3", "Nexora"],
        "invented": ["EUR 1.5 million", "41", "Siemens"],
    },
    {
        "kind": "report",
        "source": "Incident 2025-03-14: checkout down 09:12-09:47 (35 min), cause expired TLS "
        "certificate on api.shopline.io, fix: renewed, monitoring added; owner: Ravi Kumar",
        "draft": "# Incident report\n\nOn 14 March 2025 checkout was unavailable from 09:12 to "
        "09:47, 35 minutes in total. The cause was an expired TLS certificate on "
        "api.shopline.io. It was renewed and monitoring was added. Owner: Ravi Kumar.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Incident 2025-03-14: checkout down 09:12-09:47 (35 min), cause expired TLS "
        "certificate on api.shopline.io, fix: renewed, monitoring added; owner: Ravi Kumar",
        "draft": "# Incident report\n\nOn 14 March 2025 checkout was unavailable for about an "
        "hour. The cause was an expired certificate. It was renewed by Mark Davies and "
        "monitoring was added.",
        "missing": ["09:12", "09:47", "35", "api.shopline.io", "Ravi Kumar"],
        "invented": ["Mark Davies"],
    },
    {
        "kind": "report",
        "source": "Trip report Madrid 4-6 June: met Iberdrola and Repsol, 2 pilot offers "
        "(€40k and €65k), follow-up call 18 June",
        "draft": "The trip to Madrid took place on 4-6 June. We met Iberdrola and Repsol and "
        "received 2 pilot offers worth €40k and €65k. A follow-up call is set for 18 June.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Trip report Madrid 4-6 June: met Iberdrola and Repsol, 2 pilot offers "
        "(€40k and €65k), follow-up call 18 June",
        "draft": "The trip to Madrid took place in June. We met Iberdrola, Repsol and "
        "Telefónica and received 3 pilot offers worth €40k, €65k and €90k.",
        "missing": ["4", "6 June", "2", "18 June"],
        "invented": ["Telefónica", "3", "€90k"],
    },
    {
        "kind": "report",
        "source": "Survey: 1,240 answers, 72% satisfied, top request dark mode (312 mentions), "
        "NPS 41",
        "draft": "The survey received 1240 answers. 72 % of users are satisfied. Dark mode was "
        "the top request with 312 mentions, and the NPS is 41.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Survey: 1,240 answers, 72% satisfied, top request dark mode (312 mentions), "
        "NPS 41",
        "draft": "The survey received 1,420 answers. 72% of users are satisfied. Dark mode was "
        "the top request, and the NPS rose to 45 compared with 38 last year.",
        "missing": ["1,240", "312", "41"],
        "invented": ["1,420", "45", "38"],
    },
    {
        "kind": "report",
        "source": "Weekly update: migration 80% done, 3 services left (billing, search, auth), "
        "go-live planned Friday 27 June",
        "draft": "**Progress**: the migration is 80% complete. Three services remain: billing, "
        "search and auth.\n\n**Next steps**: go-live is planned for Friday, 27 June.",
        "missing": [],  # "Three services" keeps the 3
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Board meeting 12 Nov: approved budget of $2.4M for 2026; Carla Diaz new "
        "CFO from 1 Jan; next meeting 10 Feb",
        "draft": "At the board meeting on 12 November, the budget of $2.4 million for 2026 was "
        "approved. Carla Diaz becomes CFO on 1 January. The next meeting is on 10 February.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Board meeting 12 Nov: approved budget of $2.4M for 2026; Carla Diaz new "
        "CFO from 1 Jan; next meeting 10 Feb",
        "draft": "At the board meeting on 12 November, the budget for 2026 was approved. "
        "Carla Ruiz becomes CFO on 1 January. Contact her at carla.ruiz@board.com.",
        "missing": ["$2.4M", "Carla Diaz", "10 Feb"],
        "invented": ["Carla Ruiz", "carla.ruiz@board.com"],
    },
    {
        "kind": "report",
        "source": "Project Atlas: phase 1 done on 30/04, phase 2 starts 05/05, cost so far "
        "£18,500 of £25,000",
        "draft": "Project Atlas finished phase 1 on 30 April; phase 2 starts on 5 May. So far "
        "£18,500 of the £25,000 budget has been spent.",
        "missing": [],
        "invented": [],
    },
    # ------------------------------------------------------------------ translations
    {
        "kind": "translation",
        "source": "Sehr geehrte Frau Müller,\n\ndie Rechnung Nr. 2024-117 über 4.800 € ist am "
        "12. Mai fällig. Bitte überweisen Sie den Betrag bis Freitag.\n\nMit freundlichen "
        "Grüßen\nJan Becker",
        "draft": "Dear Ms Müller,\n\ninvoice no. 2024-117 for €4,800 is due on 12 May. Please "
        "transfer the amount by Friday.\n\nKind regards\nJan Becker",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Sehr geehrte Frau Müller,\n\ndie Rechnung Nr. 2024-117 über 4.800 € ist am "
        "12. Mai fällig. Bitte überweisen Sie den Betrag bis Freitag.\n\nMit freundlichen "
        "Grüßen\nJan Becker",
        "draft": "Dear Ms Miller,\n\ninvoice no. 2024-117 for €48,00 is due on 21 May. Please "
        "transfer the amount soon.\n\nKind regards\nJan Becker",
        "missing": ["Müller", "4.800 €", "12. Mai", "Freitag"],
        "invented": ["Miller", "€48,00", "21 May"],
    },
    {
        "kind": "translation",
        "source": "Das Treffen mit der Firma Schneider findet am Montag, den 3. März um 10 Uhr "
        "in Raum 214 statt. Es nehmen 12 Personen teil.",
        "draft": "The meeting with the company Schneider will take place on Monday, 3 March at "
        "10:00 in room 214. 12 people will attend.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Das Treffen mit der Firma Schneider findet am Montag, den 3. März um 10 Uhr "
        "in Raum 214 statt. Es nehmen 12 Personen teil.",
        "draft": "The meeting with Schneider will take place on Tuesday, 3 March at 11:00 in "
        "room 214.",
        "missing": ["Montag", "10 Uhr", "12"],
        "invented": ["Tuesday", "11:00"],
    },
    {
        "kind": "translation",
        "source": "Unser Umsatz stieg 2024 um 12,5 % auf 3,2 Mio. Euro. Geschäftsführerin "
        "Katrin Vogel dankt allen Mitarbeitenden in Köln und Leipzig.",
        "draft": "Our revenue rose by 12.5% in 2024 to EUR 3.2 million. Managing director "
        "Katrin Vogel thanks all staff in Cologne and Leipzig.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Madame, Monsieur,\n\nnous vous confirmons votre réservation n° 88213 pour "
        "le 14 juillet 2025 : 2 chambres, 3 nuits, 540 € au total. L'arrivée est possible à "
        "partir de 15h.\n\nCordialement,\nHôtel Beau Rivage",
        "draft": "Dear Sir or Madam,\n\nwe confirm your booking no. 88213 for 14 July 2025: "
        "2 rooms, 3 nights, €540 in total. Check-in is possible from 3 pm.\n\nKind regards,\n"
        "Hôtel Beau Rivage",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Madame, Monsieur,\n\nnous vous confirmons votre réservation n° 88213 pour "
        "le 14 juillet 2025 : 2 chambres, 3 nuits, 540 € au total. L'arrivée est possible à "
        "partir de 15h.\n\nCordialement,\nHôtel Beau Rivage",
        "draft": "Dear Sir or Madam,\n\nwe confirm your booking no. 88231 for 14 June 2025: "
        "2 rooms, €540 in total.\n\nKind regards,\nHotel Beau Rivage\nManager: Pierre Dubois",
        "missing": ["88213", "14 juillet 2025", "3", "15h"],
        "invented": ["88231", "14 June 2025", "Pierre Dubois"],
    },
    {
        "kind": "translation",
        "source": "La réunion du comité aura lieu le mardi 8 avril à 9h30 à Lyon. Merci de "
        "confirmer votre présence avant le 1er avril à claire.martin@exemple.fr.",
        "draft": "The committee meeting will take place on Tuesday 8 April at 9:30 in Lyon. "
        "Please confirm your attendance before 1 April to claire.martin@exemple.fr.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Le chiffre d'affaires a atteint 1 250 000 € (+4,2 %). Nous ouvrirons un "
        "bureau à Bordeaux en septembre.",
        "draft": "Revenue reached €1,250,000 (+4.2%). We will open an office in Bordeaux in "
        "September.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Le chiffre d'affaires a atteint 1 250 000 € (+4,2 %). Nous ouvrirons un "
        "bureau à Bordeaux en septembre.",
        "draft": "Revenue reached €1,520,000 (+2.4%). We will open an office in Marseille in "
        "September.",
        "missing": ["1 250 000 €", "4,2 %", "Bordeaux"],
        "invented": ["€1,520,000", "2.4%", "Marseille"],
    },
    {
        "kind": "translation",
        "source": "Estimado Sr. García:\n\nLe confirmamos el pedido 7781 de 150 unidades. La "
        "entrega será el 12 de mayo en Valencia. El importe total es de 2.340,50 €.\n\n"
        "Atentamente,\nLucía Fernández",
        "draft": "Dear Mr García,\n\nWe confirm order 7781 for 150 units. Delivery will be on "
        "12 May in Valencia. The total amount is €2,340.50.\n\nYours sincerely,\nLucía "
        "Fernández",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Estimado Sr. García:\n\nLe confirmamos el pedido 7781 de 150 unidades. La "
        "entrega será el 12 de mayo en Valencia. El importe total es de 2.340,50 €.\n\n"
        "Atentamente,\nLucía Fernández",
        "draft": "Dear Mr Garcia,\n\nWe confirm order 7781 for 115 units. Delivery will be on "
        "12 May in Madrid.\n\nYours sincerely,\nLucia Fernandez",
        "missing": ["150", "Valencia", "2.340,50 €"],
        "invented": ["115", "Madrid"],
    },
    {
        "kind": "translation",
        "source": "La conferencia empieza el jueves a las 18:00 en el Hotel Miramar. Hay 45 "
        "plazas; inscripción en www.congreso2025.es.",
        "draft": "The conference starts on Thursday at 6 pm at the Hotel Miramar. There are 45 "
        "places; registration at www.congreso2025.es.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "La conferencia empieza el jueves a las 18:00 en el Hotel Miramar. Hay 45 "
        "plazas; inscripción en www.congreso2025.es.",
        "draft": "The conference starts on Friday at 6 pm at the Hotel Miramar. There are 54 "
        "places; call +34 912 345 678 to register.",
        "missing": ["jueves", "45", "www.congreso2025.es"],
        "invented": ["Friday", "54", "+34 912 345 678"],
    },
    {
        "kind": "translation",
        "source": "Gentile dott. Bianchi,\n\nLe confermo l'appuntamento di mercoledì 9 ottobre "
        "alle 11:15 presso la nostra sede di Milano, via Torino 21.\n\nCordiali saluti,\n"
        "Giulia Romano",
        "draft": "Dear Dr Bianchi,\n\nI confirm our appointment on Wednesday 9 October at "
        "11:15 at our office in Milan, via Torino 21.\n\nKind regards,\nGiulia Romano",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Il fatturato del 2024 è stato di 5,6 milioni di euro, con un margine del "
        "18%. Il nuovo stabilimento di Torino aprirà a marzo.",
        "draft": "Revenue for 2024 was 5.6 million euros, with a margin of 18%. The new plant "
        "in Torino will open in March.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Il fatturato del 2024 è stato di 5,6 milioni di euro, con un margine del "
        "18%. Il nuovo stabilimento di Torino aprirà a marzo.",
        "draft": "Revenue for 2023 was 6.5 million euros. The new plant in Torino, run by "
        "Fiat, will open in May.",
        "missing": ["2024", "5,6 milioni di euro", "18%", "marzo"],
        "invented": ["2023", "6.5 million euros", "Fiat", "May"],
    },
    {
        "kind": "translation",
        "source": "Prezado Sr. Costa,\n\nO seu voo TP 1352 para Lisboa parte às 7h45 de "
        "sexta-feira, 21 de março. O check-in fecha 40 minutos antes.",
        "draft": "Dear Mr Costa,\n\nYour flight TP 1352 to Lisbon departs at 7:45 on Friday, "
        "21 March. Check-in closes 40 minutes before.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Beste Sanne,\n\nDe vergadering is verplaatst naar donderdag 6 februari om "
        "13:00 uur. We verwachten 25 deelnemers uit Utrecht en Gent.\n\nGroeten,\nBram",
        "draft": "Dear Sanne,\n\nThe meeting has been moved to Thursday 6 February at 1 pm. We "
        "expect 25 participants from Utrecht and Ghent.\n\nRegards,\nBram",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Dear Mr Hoffmann,\n\nyour order 55-210 (3 laptops, $3,897.00) was shipped "
        "on March 14 with UPS. Tracking: 1Z999AA10123456784.",
        "draft": "Sehr geehrter Herr Hoffmann,\n\nIhre Bestellung 55-210 (3 Laptops, "
        "3.897,00 $) wurde am 14. März mit UPS verschickt. Sendungsverfolgung: "
        "1Z999AA10123456784.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Dear Mr Hoffmann,\n\nyour order 55-210 (3 laptops, $3,897.00) was shipped "
        "on March 14 with UPS. Tracking: 1Z999AA10123456784.",
        "draft": "Sehr geehrter Herr Hoffmann,\n\nIhre Bestellung 55-210 (3 Laptops) wurde am "
        "4. März mit DHL verschickt.",
        "missing": ["$3,897.00", "March 14", "UPS", "1Z999AA10123456784"],
        "invented": ["4. März", "DHL"],
    },
    {
        "kind": "translation",
        "source": "The workshop on 12 May starts at 9:00 and ends at 17:30. Lunch costs "
        "€15 per person.",
        "draft": "L'atelier du 12 mai commence à 9h et se termine à 17h30. Le déjeuner coûte "
        "15 € par personne.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "The workshop on 12 May starts at 9:00 and ends at 17:30. Lunch costs "
        "€15 per person.",
        "draft": "El taller del 12 de mayo empieza a las 9:00 y termina a las 17:30. El "
        "almuerzo cuesta 15 € por persona.",
        "missing": [],
        "invented": [],
    },
    # ------------------------------------------------------------------ summaries
    {
        "kind": "summary",
        "source": "Annual report 2024\n\nNorthwind Traders grew revenue by 14% to $48.2 "
        "million in 2024, led by CEO Maria Lopez. The company opened offices in Denver and "
        "Austin.\n\nThe logistics team replaced 12 trucks and cut fuel costs by 6%. A new "
        "warehouse in Reno opened on 3 September. Staff turnover fell to 9%.\n\nIn the second "
        "half, Northwind signed a partnership with Contoso. Customer satisfaction reached 87%."
        "\n\nFor 2025 Northwind expects growth of 10%.",
        "draft": "Northwind Traders grew revenue by 14% to $48.2 million in 2024 under CEO "
        "Maria Lopez and opened offices in Denver and Austin. It signed a partnership with "
        "Contoso and expects 10% growth in 2025.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": "Annual report 2024\n\nNorthwind Traders grew revenue by 14% to $48.2 "
        "million in 2024, led by CEO Maria Lopez. The company opened offices in Denver and "
        "Austin.\n\nThe logistics team replaced 12 trucks and cut fuel costs by 6%. A new "
        "warehouse in Reno opened on 3 September. Staff turnover fell to 9%.\n\nIn the second "
        "half, Northwind signed a partnership with Contoso. Customer satisfaction reached 87%."
        "\n\nFor 2025 Northwind expects growth of 10%.",
        "draft": "Northwind Traders grew revenue by 41% in 2024 under CEO Mario Lopez. It "
        "signed a partnership with Fabrikam and expects 10% growth in 2025.",
        "missing": ["14%", "$48.2 million", "Maria Lopez", "Denver", "Austin"],
        "invented": ["41%", "Mario Lopez", "Fabrikam"],
    },
    {
        "kind": "summary",
        "source": "Minutes of the residents' meeting, 22 January\n\nPresent: 18 residents. "
        "The chair, Helen Brooks, opened the meeting at 19:00.\n\nThe roof repair will cost "
        "£32,000 and start in April. The lift will be serviced on 5 February. Residents asked "
        "for more bicycle parking; the committee will get quotes.\n\nThe next meeting is on "
        "16 April. The meeting closed at 20:40.",
        "draft": "At the residents' meeting on 22 January (18 present, chaired by Helen "
        "Brooks), members heard that the roof repair will cost £32,000 and start in April. "
        "The next meeting is on 16 April.",
        "missing": ["19:00"],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": "Minutes of the residents' meeting, 22 January\n\nPresent: 18 residents. "
        "The chair, Helen Brooks, opened the meeting at 19:00.\n\nThe roof repair will cost "
        "£32,000 and start in April. The lift will be serviced on 5 February. Residents asked "
        "for more bicycle parking; the committee will get quotes.\n\nThe next meeting is on "
        "16 April. The meeting closed at 20:40.",
        "draft": "At the residents' meeting, chaired by Helen Brooks at 19:00 with 18 present, "
        "members heard that the roof repair will cost £23,000. Contact the managing agent on "
        "020 7123 4567.",
        "missing": ["22 January"],
        "invented": ["£23,000", "020 7123 4567"],
    },
    {
        "kind": "summary",
        "source": "Study: remote work and productivity\n\nA survey of 2,300 employees at 41 "
        "companies found that hybrid teams were 13% more productive than office-only teams. "
        "The study was led by Dr. Amira Hassan at the University of Leeds.\n\nTeams working "
        "remotely three days a week reported the best balance. Managers were less convinced: "
        "only 38% agreed.\n\nThe authors recommend two fixed office days.",
        "draft": "A University of Leeds study led by Dr. Amira Hassan surveyed 2,300 employees "
        "at 41 companies and found hybrid teams 13% more productive than office-only teams. "
        "Only 38% of managers agreed.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": "Study: remote work and productivity\n\nA survey of 2,300 employees at 41 "
        "companies found that hybrid teams were 13% more productive than office-only teams. "
        "The study was led by Dr. Amira Hassan at the University of Leeds.\n\nTeams working "
        "remotely three days a week reported the best balance. Managers were less convinced: "
        "only 38% agreed.\n\nThe authors recommend two fixed office days.",
        "draft": "A study by Oxford University surveyed 3,200 employees and found hybrid teams "
        "more productive than office-only teams.",
        "missing": ["2,300", "41", "13%", "Amira Hassan", "University of Leeds"],
        "invented": ["Oxford University", "3,200"],
    },
    {
        "kind": "summary",
        "source": "Product recall notice\n\nKettleCo is recalling the K200 kettle sold between "
        "1 March and 30 June 2025 because the lid can open while boiling. About 8,500 units "
        "are affected.\n\nCustomers should stop using the kettle and contact "
        "recall@kettleco.com for a full refund. Stores in Bristol and Cardiff will also take "
        "returns.\n\nKettleCo apologises. The K200 has been removed from sale. KettleCo has "
        "informed the safety authority. The K200 replacement, the K210, is tested.",
        "draft": "KettleCo is recalling the K200 kettle sold between 1 March and 30 June 2025 "
        "because the lid can open while boiling; about 8,500 units are affected. Customers "
        "should contact recall@kettleco.com for a refund.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": "Product recall notice\n\nKettleCo is recalling the K200 kettle sold between "
        "1 March and 30 June 2025 because the lid can open while boiling. About 8,500 units "
        "are affected.\n\nCustomers should stop using the kettle and contact "
        "recall@kettleco.com for a full refund. Stores in Bristol and Cardiff will also take "
        "returns.\n\nKettleCo apologises. The K200 has been removed from sale. KettleCo has "
        "informed the safety authority. The K200 replacement, the K210, is tested.",
        "draft": "A kettle maker is recalling a kettle sold in spring 2025 because the lid can "
        "open. Call 0800 555 0199 for a refund.",
        "missing": ["KettleCo", "K200", "1 March", "30 June 2025", "8,500"],
        "invented": ["0800 555 0199"],
    },
    {
        "kind": "summary",
        "source": "Zusammenfassung des Projekts Helios\n\nDas Projekt Helios der Stadtwerke "
        "Freiburg hat bis Ende 2024 insgesamt 1.450 Solaranlagen installiert. Die Kosten "
        "lagen bei 7,3 Mio. Euro.\n\nIm nächsten Jahr sollen weitere 600 Anlagen folgen. Die "
        "Projektleiterin Sabine Koch rechnet mit Einsparungen von 2.100 Tonnen CO2 pro Jahr.",
        "draft": "The Helios project of Stadtwerke Freiburg installed 1,450 solar systems by "
        "the end of 2024 at a cost of EUR 7.3 million. Another 600 are planned next year.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "summary",
        "source": "Zusammenfassung des Projekts Helios\n\nDas Projekt Helios der Stadtwerke "
        "Freiburg hat bis Ende 2024 insgesamt 1.450 Solaranlagen installiert. Die Kosten "
        "lagen bei 7,3 Mio. Euro.\n\nIm nächsten Jahr sollen weitere 600 Anlagen folgen. Die "
        "Projektleiterin Sabine Koch rechnet mit Einsparungen von 2.100 Tonnen CO2 pro Jahr.",
        "draft": "The Helios project installed 4,150 solar systems by 2024 at a cost of EUR 7.3 "
        "million, led by Thomas Weber.",
        "missing": ["Freiburg", "1.450"],
        "invented": ["4,150", "Thomas Weber"],
    },
    {
        "kind": "summary",
        "source": "Résumé de la conférence\n\nLa conférence Data Lyon 2025 a réuni 1 200 "
        "participants les 3 et 4 juin. Le discours d'ouverture a été donné par Julien "
        "Lefèvre.\n\nLes ateliers ont porté sur l'IA et la protection des données. La "
        "prochaine édition aura lieu à Marseille.",
        "draft": "Data Lyon 2025 brought together 1,200 participants on 3 and 4 June, opened "
        "by Julien Lefèvre. The next edition will be in Marseille.",
        "missing": [],
        "invented": [],
    },
    # ------------------------------------------------------------------ hard cases
    {
        "kind": "email",
        "source": "Ask Jonathan whether the 2 invoices (#881 and #882) totalling 9 800 CHF were "
        "paid",
        "given": ["Jonathan Meier", "Ursula"],
        "draft": "Dear Jonathan,\n\nCould you let me know whether the two invoices #881 and #882, "
        "totalling CHF 9,800, have been paid?\n\nKind regards,\nUrsula",
        "missing": [],  # "the two invoices" keeps the 2
        "invented": [],
    },
    {
        "kind": "email",
        "source": "confirm dinner reservation Saturday 8pm for 6, name Okafor, tel 0171 2345678",
        "given": ["Restaurant Adler", "Chidi Okafor"],
        "draft": "Hello,\n\nI would like to confirm the dinner reservation for 6 people on "
        "Saturday at 20:00 under the name Okafor. My phone number is 0171 2345678.\n\nMany "
        "thanks,\nChidi Okafor",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "Reply yes to the conference invitation for 10/03/2026 in Vienna; need a "
        "vegetarian meal",
        "given": ["Dr. Novak", "Elena Petrova"],
        "draft": "Dear Dr. Novak,\n\nThank you for the invitation. I am happy to attend the "
        "conference in Vienna on 10 March 2026. Please note that I need a vegetarian meal."
        "\n\nBest regards,\nElena Petrova\nSenior Researcher\nElena.Petrova@uni-wien.at",
        "missing": [],
        "invented": ["Elena.Petrova@uni-wien.at"],
    },
    {
        "kind": "report",
        "source": "Sales per region: North 420 k€, South 385 k€, West 510 k€. Best seller: "
        "model X5 (1.900 units)",
        "draft": "Sales by region were €420k in the North, €385k in the South and €510k in the "
        "West. The best seller was the X5 with 1,900 units.",
        "missing": [],
        "invented": [],
    },
    # ------------------------------------------------- beyond the first set (issue 10)
    # Numbers written in words, names at the start of a sentence, units, counted things.
    {
        "kind": "email",
        "source": "QA found 3 blockers",
        "draft": "QA found three blockers.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "email",
        "source": "Meeting with Anna on Friday about the renewal",
        "given": ["Anna", "Tom"],
        "draft": "Dear Anna,\n\nSee you on Friday to discuss the renewal. Microsoft was our "
        "largest client. Amazon also wants to sign.\n\nBest,\nTom",
        "missing": [],
        "invented": ["Microsoft", "Amazon"],
    },
    {
        "kind": "report",
        "source": "new mast: 5 m high, 120 kg, cost €5m",
        "draft": "The new mast is 5 km high, weighs 120 g and cost €5 million.",
        "missing": ["5 m", "120 kg"],
        "invented": ["5 km", "120 g"],
    },
    {
        "kind": "report",
        "source": "new mast: 5 m high, 120 kg, cost €5m",
        "draft": "The new mast is 5 metres high, weighs 120 kg and cost €5 million.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Wir haben zwölf Stühle und drei Tische bestellt.",
        "draft": "We ordered 12 chairs and 4 tables.",
        "missing": ["drei"],
        "invented": ["4"],
    },
    {
        "kind": "email",
        "source": "order 4 laptops and 6 monitors for the new hires",
        "given": ["Sam"],
        "draft": "Hi,\n\nPlease order 6 laptops and 4 monitors for the new hires.\n\nThanks,\nSam",
        "missing": ["4", "6"],
        "invented": ["6", "4"],
    },
    {
        "kind": "email",
        "source": "send the 2 reports to Ines",
        "given": ["Ines", "Kai"],
        "draft": "Hi Ines,\n\nI am sending you the two reports. One of them is still a draft, "
        "so please read the other one first.\n\nBest,\nKai",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "Die Sitzung beginnt um halb elf im Raum 4.",
        "draft": "The meeting starts at 11:30 in room 4.",
        "missing": ["halb elf"],
        "invented": ["11:30"],
    },
    {
        "kind": "email",
        "source": "order 12 boxes of paper, delivery Tuesday",
        "given": ["Kim"],
        "draft": "Hello,\n\nPlease order a dozen boxes of paper for delivery on Tuesday.\n\n"
        "Thanks,\nKim",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "report",
        "source": "Seed round closed: raised $1.2M from 3 investors. Recruiter: Talentory.",
        "draft": "Seed round: the company raised $2.1M from three investors. Recruiter: Talentory.",
        "missing": ["$1.2M"],
        "invented": ["$2.1M"],
    },
    {
        "kind": "translation",
        "source": "La reunión es a las 9 en Madrid con Lucía Pérez.",
        "draft": "The meeting is at 9:00 in Madrid with Lucía Pérez.",
        "missing": [],
        "invented": [],
    },
    {
        "kind": "translation",
        "source": "La reunión es a las 9 en Madrid con Lucía Pérez.",
        "draft": "The meeting is at 10:00 in Barcelona with Lucía Pérez.",
        "missing": ["9", "Madrid"],
        "invented": ["10:00", "Barcelona"],
    },
]
