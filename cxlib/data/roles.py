"""The roles a table can play (events, orders, survey responses, tickets, experiment, customers),
their canonical fields and how a sentence names them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxlib.core.messages import N_, Msg, msg

Kind = Literal["id", "text", "datetime", "number", "flag"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    help: str = ""                   # description shown in the mapping form (N_-marked)


@dataclass(frozen=True)
class Role:
    name: str
    label: str                       # what a person reads (N_-marked; the interface translates it)
    unit: str                        # what one row counts ("events", "orders", ...)
    fields: tuple[Field, ...]
    main_time: str | None = None     # the field used for date ranges and trends

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


ROLES: tuple[Role, ...] = (
    Role("events", N_("Events"), "events", (
        Field("user_id", "id", True, N_("who did it")),
        Field("event", "text", True, N_("event name")),
        # TRANSLATORS: description of the timestamp field of an event log in the mapping form
        Field("timestamp", "datetime", True, N_("when")),
        Field("session_id", "id"), Field("device", "text"), Field("country", "text"),
        Field("channel", "text"), Field("revenue", "number"),
    ), main_time="timestamp"),
    Role("orders", N_("Orders"), "orders", (
        Field("order_id", "id", False, N_("absent: each row is one order")),
        Field("customer_id", "id", True), Field("ordered_at", "datetime", True),
        Field("amount", "number", True, N_("order total (or quantity x unit price, summed per order)")),
        Field("quantity", "number"), Field("unit_price", "number"),
        Field("status", "text", False, N_("normalized: completed, in_transit, pending, cancelled, "
                                            "refunded, partially_refunded")),
        Field("refunded", "number"), Field("currency", "text"), Field("items", "number"),
        Field("channel", "text"), Field("country", "text"), Field("email", "text"),
    ), main_time="ordered_at"),
    Role("responses", N_("Survey responses"), "responses", (
        Field("respondent_id", "id"), Field("customer_id", "id"), Field("email", "text"),
        Field("answered_at", "datetime"),
        Field("nps", "number", False, N_("0-10 likelihood to recommend")),
        Field("csat", "number", False, N_("satisfaction score (text labels mapped to 1-5)")),
        Field("ces", "number", False, N_("customer effort score")),
        Field("comment", "text"),
    ), main_time="answered_at"),
    Role("tickets", N_("Support tickets"), "tickets", (
        Field("ticket_id", "id", True), Field("created_at", "datetime", True),
        Field("channel", "text"), Field("first_reply_minutes", "number"),
        Field("resolution_minutes", "number"), Field("status", "text"),
        Field("satisfaction", "text", False, N_("normalized: good, bad, offered, unoffered")),
        Field("requester", "text"),
    ), main_time="created_at"),
    Role("experiment", N_("Experiment assignments"), "units", (
        Field("unit_id", "id", True), Field("variant", "text", True),
        Field("converted", "flag"), Field("revenue", "number"), Field("exposed_at", "datetime"),
    ), main_time="exposed_at"),
    Role("customers", N_("Customers"), "customers", (
        Field("customer_id", "id", True), Field("email", "text"), Field("phone", "text"), Field("gender", "text"),
        Field("country", "text"), Field("city", "text"), Field("signup_at", "datetime"),
        Field("tags", "text"),
    ), main_time="signup_at"),
    # campaign recipient activity (Klaviyo, Mailchimp, Braze, a plain CSV): one row per message sent
    Role("messages", N_("Messages"), "messages", (
        Field("recipient", "id", True, N_("who received it (customer id or e-mail)")),
        Field("sent_at", "datetime", True, N_("when it was sent")),
        Field("channel", "text", False, N_("email, sms, push, ...")), Field("campaign", "text"),
        Field("opened", "flag", False, N_("shown, never used to choose: machines open mail too")),
        Field("clicked", "flag"), Field("converted", "flag", False, N_("placed an order after the message")),
        Field("unsubscribed", "flag"), Field("bounced", "flag"), Field("revenue", "number"),
        Field("email", "text"),
    ), main_time="sent_at"),
)
ROLES_BY_NAME: dict[str, Role] = {r.name: r for r in ROLES}

# Roles whose "one-of" requirement is not expressible as required fields.
ONE_OF: dict[str, tuple[str, ...]] = {"responses": ("nps", "csat", "ces")}


# A role as named inside a sentence ("this looks like {found} data, not {expected}."): its label in
# lower case.
# TRANSLATORS: a kind of data, used inside "this looks like {found} data, not {expected}." and similar.
_ROLE_NOUNS = {"events": msg("events"), "orders": msg("orders"), "responses": msg("survey responses"),
               "tickets": msg("support tickets"), "experiment": msg("experiment assignments"),
               "customers": msg("customers"), "messages": msg("messages")}


def role_noun(role: str) -> Msg | str:
    """The role's label in lower case, translatable (plain English if a label is not listed above;
    a code that is no role comes back as it is)."""
    if role not in ROLES_BY_NAME:
        return role
    label = ROLES_BY_NAME[role].label.lower()
    noun = _ROLE_NOUNS.get(role)
    return noun if noun == label else label


__all__ = ["Field", "Kind", "ONE_OF", "ROLES", "ROLES_BY_NAME", "Role", "role_noun"]
