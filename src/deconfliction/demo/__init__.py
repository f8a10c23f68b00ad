"""``deconfliction demo``: a hub and simulated parties that use it as real clients would.

:mod:`.scenario` is the Euphrates scenario as data, :mod:`.play` its timeline,
:mod:`.clients` a party's HTTP and WebSocket client, :mod:`.narrate` the lines printed for
what each party hears, :mod:`.real` the replay of recorded ADS-B traffic, and :mod:`.runner`
the hub they talk to.
"""
