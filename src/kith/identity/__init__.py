"""Identity resolution: one person across every channel (issue 24, scenario S7).

``normalise`` reduces names, phones, e-mail addresses and company names to
comparable forms; ``generator`` makes a noisy Chinese/English identity benchmark with
known truth; ``model`` links records probabilistically (Fellegi–Sunter with Splink on
DuckDB); ``online`` matches one new identity against indexes built from the blocking
keys.
"""
