"""wdnopt.scenarios: the example scenario files shipped with wdnopt.

Package data only; ``wdnopt examples DIR`` copies them (and :mod:`wdnopt.data`) into a folder.
"""
