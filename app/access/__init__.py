"""Access: who a caller is, and what it may do. One module per concern.

* ``roles``        ``Role``, ``Principal`` and ``may_moderate``, the one answer to
                   "may this caller run this room?" (pure)
* ``tokens``       signing and reading tokens (``Signer``, ``principal_of``,
                   ``authenticate``): signature, record, expiry
* ``secret``       the signing secret: the operator's, or the one the database keeps
* ``rules``        the grants, ``Rule`` and ``holds``; the row-level checks of cards
                   and credentials, as plain functions of a ``Principal`` (pure)
* ``guard``        the route's rule as a FastAPI dependency (``allow``, ``authorized``)
* ``policy``       the named rules the routes share (``RUN_ROOM``, ``WATCH_ROOM``...)
* ``scope``        meeting scope: ``MeetingMap``, ``meeting_of``
* ``credentials``  the recorded tokens: their meeting, their expiry, revocable at once
* ``accounts``     secretariat accounts (name and password) for ``/api/login``
* ``ratelimit``    limits on pings and floor requests (a stuck button, a script)
* ``links``        the full link of a credential: the page its role opens, as a URL

Nothing is re-exported here: ``app.live.view`` and ``app.room.audit`` import
``app.access.roles``, and a package that imported its guard on the way would
give the projection FastAPI and the database, and close a cycle through
``app.room.audit.note_sender``. Callers import from the module that owns a name.
"""
