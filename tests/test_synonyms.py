"""cxlib.data.synonyms: German, French and Spanish headers join English, Chinese and Russian."""
from __future__ import annotations

import pytest

from cxlib.data.synonyms import norm_header, synonyms_for
from tests import exports

LOCAL_HEADERS = [(export, lang, header, field) for export, langs in exports.LOCAL_EXPORTS.items()
                 for lang, spec in langs.items()
                 for header, field in zip(spec["headers"], exports.LOCAL_FIELDS[export]) if field]


@pytest.mark.parametrize("export, lang, header, field", LOCAL_HEADERS)
def test_shop_export_headers_in_german_french_spanish(export, lang, header, field):
    strong, weak, _ = synonyms_for("orders", field)
    # a buyer e-mail stands in for a customer id (weak evidence), as "Email" does in English
    assert norm_header(header) in (strong + weak if field == "customer_id" else strong)


@pytest.mark.parametrize("header, field", [("Bestellnummer", "order_id"), ("Kunde", "customer_id"),
                                           ("Datum", "ordered_at"), ("Betrag", "amount"), ("Status", "status")])
def test_the_german_shop_list_headers(header, field):
    strong, weak, _ = synonyms_for("orders", field)
    assert norm_header(header) in strong + weak


@pytest.mark.parametrize("question, field", [
    ("Wie wahrscheinlich ist es, dass Sie uns einem Freund empfehlen?", "nps"),
    ("Recommanderiez-vous notre boutique à un ami ?", "nps"),
    ("¿Recomendaría nuestra tienda a un amigo?", "nps"),
    ("Wie zufrieden sind Sie mit Ihrer Bestellung?", "csat"),
    ("Êtes-vous satisfait de votre commande ?", "csat"),
    ("¿Qué tan satisfecho está con su pedido?", "csat"),
    ("Wie einfach war es, Ihr Anliegen zu lösen?", "ces"),
    ("Était-il facile de résoudre votre problème ?", "ces"),
    ("¿Fue fácil resolver su problema?", "ces"),
    ("Warum? Was können wir verbessern?", "comment"),
])
def test_survey_questions_in_german_french_spanish_hit_keywords(question, field):
    _, _, keywords = synonyms_for("responses", field)
    assert any(k in norm_header(question) for k in keywords)


@pytest.mark.parametrize("role, field, header", [
    ("events", "user_id", "Benutzer-ID"), ("events", "event", "Événement"), ("events", "timestamp", "Marca de tiempo"),
    ("tickets", "ticket_id", "Ticketnummer"), ("tickets", "created_at", "Date de création"),
    ("tickets", "first_reply_minutes", "Tiempo de primera respuesta"), ("tickets", "channel", "Kontaktkanal"),
    ("experiment", "variant", "Variante"), ("experiment", "converted", "Conversión"),
    ("customers", "signup_at", "Kunde seit"), ("customers", "gender", "Sexe"),
])
def test_other_roles_headers_in_german_french_spanish(role, field, header):
    strong, _, _ = synonyms_for(role, field)
    assert norm_header(header) in strong
