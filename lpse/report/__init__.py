"""Monthly (Pasal 24 ayat (2)) and yearly (Pasal 24 ayat (1)) reports: HTML and PDF."""
