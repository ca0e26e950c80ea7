"""Tables owned by the shell: manager accounts, their sessions and API tokens, the audit trail
and distribution channels. Manager data may carry timestamps; respondent data never does."""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ManagerUser(Table):
    """A person who signs in at /manage: admin, manager, analyst or partner."""

    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True, index=True)
    role = Varchar(length=16)  # admin | manager | analyst | partner
    password_hash = Varchar(length=255)  # argon2id, parameters in the string
    active = Boolean(default=True)
    totp_secret = Varchar(length=64, null=True, default=None)  # base 32, RFC 6238
    totp_last_step = Integer(null=True, default=None)  # a code is accepted once
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    created = Timestamptz(default=TimestamptzNow())


class ManagerSession(Table):
    """A signed-in browser. The id is the SHA-256 of the cookie's token: a copy of this table
    opens no session."""

    id = Varchar(length=64, primary_key=True)
    user = ForeignKey(references=ManagerUser, on_delete=OnDelete.cascade, index=True)
    created = Timestamptz(default=TimestamptzNow())
    last_seen = Timestamptz(default=TimestamptzNow())


class ApiToken(Table):
    """A bearer token for a force's own tools, scoped (only "reports" today), stored hashed."""

    id = UUID(primary_key=True)
    name = Varchar(length=80)
    token_hash = Varchar(length=64, unique=True, index=True)
    scope = Varchar(length=16, default="reports")
    created_by = Varchar(length=254)
    created = Timestamptz(default=TimestamptzNow())
    last_used = Timestamptz(null=True, default=None)
    revoked = Timestamptz(null=True, default=None)


class AuditEntry(Table):
    """Append-only: who did what, to what, when. Never respondent data (no free text, no
    receipt codes): targets are random record ids, user e-mails or channel slugs."""

    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=254)  # a manager's e-mail, "system", or an API token's name
    action = Varchar(length=40, index=True)
    target = Varchar(length=254, default="")
    detail = Text(default="")


class Channel(Table):
    """A distribution channel: the ?c= value of a link or QR code, owned by a partner or not."""

    id = UUID(primary_key=True)
    slug = Varchar(length=40, unique=True, index=True)
    name = Varchar(length=80)
    kind = Varchar(length=16)  # outreach | partner | poster | online
    owner = ForeignKey(references=ManagerUser, on_delete=OnDelete.set_null, null=True)
    created = Timestamptz(default=TimestamptzNow())
