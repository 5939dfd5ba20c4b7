"""Questions → structured queries (``parse.py``) → answers (``answer.py``)."""
