"""Local peers the channel adapters talk to in tests, demos and benchmarks: an SMPP 3.4 SMSC
(``smsc``, built on the ``smpp34`` server from PyPI) and a fake Zalo Open API (``fake_zalo``).

Both run as separate processes (``python -m dantoc.channels.simulators.smsc``) and import no
Django code.
"""
