"""Inbound email: raw messages are stored first, then parsed, matched and turned into ticket
entries or new tickets (``service``); IMAP polling (``imap``) and the HTTP endpoint feed it."""
