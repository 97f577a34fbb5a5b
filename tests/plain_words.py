"""What a person reads on a page or in an e-mail, and the raw codes that must never be in it.

`raw_codes(html)` returns the internal codes found in the visible text of a page (tags,
attributes, scripts and styles stripped): a word with an underscore, a state or reason code of
any label table written as code ("pending_payment", "Partiallyrefunded", "Pending Payment"
for a state whose label is "Waiting for payment"), a bare code as the whole text of an element
("held", "ship"), or a word said twice ("Held held").
"""

import re
from html.parser import HTMLParser

from hubs.models import HubAct, HubAgent
from moderation.labels import STATUS_TABLES
from moderation.models import AuditLog, DisputeStatement, Report
from notifications.kinds import Category
from orders.models import Checkout, Order
from payments.models import Chargeback, Escrow, JournalEntry, PaymentIntent, Payout, Refund
from sellers.models import Listing, ScreeningTerm, Shop

# One label table per state machine and per reason list: (code, label) pairs.
LABEL_TABLES = {
    "order status": Order.Status.choices,
    "fulfillment": Order.Fulfillment.choices,
    "dispute reason": Order.DisputeReason.choices,
    "dispute outcome": Order.DisputeOutcome.choices,
    "checkout status": Checkout.Status.choices,
    "escrow status": Escrow.Status.choices,
    "payment status": PaymentIntent.Status.choices,
    "refund status": Refund.Status.choices,
    "payout status": Payout.Status.choices,
    "payout method": Payout.Method.choices,
    "ledger kind": JournalEntry.Kind.choices,
    "chargeback status": Chargeback.Status.choices,
    "listing status": Listing.Status.choices,
    "listing hold reason": Listing.HoldReason.choices,
    "shop status": Shop.Status.choices,
    "report reason": Report.Reason.choices,
    "report status": Report.Status.choices,
    "statement role": DisputeStatement.Role.choices,
    "audit action": AuditLog.Action.choices,
    "screening kind": ScreeningTerm.Kind.choices,
    "notification category": Category.choices,
    "hub agent status": HubAgent.Status.choices,
    "hub act": HubAct.Action.choices,
    **{f"audit {name}": list(table.items()) for name, table in STATUS_TABLES.items()},
}

# Stripe's own identifiers are references people quote to their bank; they keep their form.
STRIPE_ID = re.compile(r"^(?:pi|po|tr|re|ch|py|acct|dp|du|evt|cus|pm|src|txn)_[A-Za-z0-9]+$")
UNDERSCORE_WORD = re.compile(r"[A-Za-z0-9]*_[A-Za-z0-9_]*")
REPEATED_WORD = re.compile(r"\b([A-Za-z]{3,})[ \t]+\1\b", re.IGNORECASE)
HIDDEN = {"script", "style", "template", "noscript"}
# Text in two different blocks is read apart ("By village" above a "Village" column).
BLOCKS = {"p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "h1", "h2", "h3", "h4", "h5",
          "h6", "section", "header", "footer", "nav", "main", "dt", "dd", "dl", "br", "form",
          "fieldset", "legend", "label", "option", "button", "summary", "details", "title"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        if tag in BLOCKS:
            self.nodes.append("\n")

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in BLOCKS:
            self.nodes.append("\n")

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible_text_nodes(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return [node for node in parser.nodes if node != "\n"]


def _text_in_blocks(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.nodes)


def _code_forms() -> tuple[set[str], dict[str, str]]:
    """(codes that may not stand alone, {written form of a multi-word code: the code})."""
    labels = {str(label).lower() for table in LABEL_TABLES.values() for _, label in table}
    alone: set[str] = set()
    forms: dict[str, str] = {}
    for table in LABEL_TABLES.values():
        for code, label in table:
            code = str(code)
            if code.lower() == str(label).lower():
                continue  # the code is its own plain word ("paid" → "Paid")
            alone.add(code)
            if "_" in code or " " in code:
                alone.add(code.replace("_", " "))  # "pending review" as a whole badge
                for form in (code.replace("_", "").capitalize(), code.replace("_", ""),
                             code.replace("_", " ").title()):
                    # A form inside a plain label ("not as described") is a plain phrase.
                    if not any(form.lower() in label for label in labels):
                        forms[form] = code
    return alone, forms


ALONE, FORMS = _code_forms()


def raw_codes(html: str) -> list[str]:
    """Every raw code a person would read on this page or e-mail (empty when it is clean)."""
    found: list[str] = []
    nodes = visible_text_nodes(html)
    for node in nodes:
        for word in UNDERSCORE_WORD.findall(node):
            if not STRIPE_ID.match(word) and not re.fullmatch(r"_+", word):
                found.append(f"underscore word {word!r} in {node!r}")
        if node.strip(" ()·:,.") in ALONE:
            found.append(f"bare code {node!r}")
        for form, code in FORMS.items():
            if re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", node):
                found.append(f"{code} written as {form!r} in {node!r}")
    text = _text_in_blocks(html)
    found += [f"word said twice: {m.group(0)!r}" for m in REPEATED_WORD.finditer(text)]
    return found
