"""wdnopt.data: the files shipped with wdnopt (networks, pump catalogue).

Package data only; read it through :mod:`wdnopt.models.resources`.
"""
