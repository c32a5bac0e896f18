"""The model manager: curated catalog, Hugging Face Hub listing, verified downloads, library.

Plain Python without Qt. The window drives it through callbacks and snapshots:

* :mod:`.catalog`  - the curated list in ``resources/catalog.json`` and the pick for this computer
* :mod:`.fit`      - "Runs well" / "Tight" / "Too large for this computer"
* :mod:`.hub`      - file listings and search through ``huggingface_hub`` (network only on request)
* :mod:`.download` - our own resumable, sha256-checked transfer and a one-at-a-time queue
* :mod:`.library`  - the installed models in ``data_dir/models`` and ``library.json``
"""
