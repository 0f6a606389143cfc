"""painreg.eprom: patients answer their questionnaires on their own phone (ePROM).

Invitations (a link and a QR code with an unguessable token), an identity
check before anything identifying is shown, one page at a time with autosave,
exactly-once submission through ``registry.actions``, reminders through
pluggable message backends. See ``docs/eprom.md``.
"""
