"""Every kind of notification the marketplace sends: who it is for, its texts, what it needs.

Callers pass `kind=` one of the keys below and a context holding at least its `required` keys
(plain values: ids, titles, amounts in integer cents with a currency, ISO dates). The subject and
the in-app message are short Django templates rendered as plain text; the e-mail bodies live in
templates/notifications/email/<kind>.txt and .html.

A kind that may reach a person by text message declares `sms=`: one short plain-text template,
rendered like the message and then made safe for one SMS (notifications/sms.py: plain GSM
letters, at most 160 characters). Only people who have a phone number and no e-mail address are
texted (docs/architecture.md, "Text messages").
"""

from dataclasses import dataclass, field

from django.db import models


class Category(models.TextChoices):
    ESSENTIAL = "essential", "Money and order updates (always sent)"  # cannot be turned off
    REMINDERS = "reminders", "Reminders before a deadline"  # optional e-mail
    REVIEWS = "reviews", "New reviews of your shop"  # optional e-mail


@dataclass(frozen=True)
class Kind:
    key: str
    audience: str  # buyer, seller or staff: documentation and admin filtering only
    category: str
    subject: str  # plain-text template
    message: str  # plain-text template, shown in the in-app list
    required: tuple[str, ...]
    optional: tuple[str, ...] = field(default=())
    # A text message (plain-text template, one SMS): empty when the kind is never texted.
    sms: str = field(default="")

    @property
    def is_essential(self) -> bool:
        return self.category == Category.ESSENTIAL


_KINDS = [
    # --- buyer -----------------------------------------------------------------------------
    Kind(
        "order_placed", "buyer", Category.ESSENTIAL,
        "Order #{{ order_id }} placed with {{ shop_name }}",
        "Your order #{{ order_id }} from {{ shop_name }} ({{ total_cents|money:currency }}) is "
        "placed. We hold your payment until you confirm it arrived.",
        ("order_id", "shop_name", "total_cents", "currency"),
    ),
    Kind(
        "payment_failed", "buyer", Category.ESSENTIAL,
        "Your payment of {{ amount_cents|money:currency }} did not go through",
        "Your payment of {{ amount_cents|money:currency }} did not go through: {{ reason }}",
        ("amount_cents", "currency", "reason"),
    ),
    Kind(
        "order_shipped", "buyer", Category.ESSENTIAL,
        "Order #{{ order_id }} is on its way",
        "{{ shop_name }} shipped order #{{ order_id }} with {{ carrier }}, tracking number "
        "{{ tracking_number }}.",
        ("order_id", "shop_name", "carrier", "tracking_number"),
    ),
    Kind(
        "auto_confirm_soon", "buyer", Category.REMINDERS,
        "Order #{{ order_id }} confirms itself in 48 hours",
        "Order #{{ order_id }} from {{ shop_name }} will be confirmed automatically on "
        "{{ auto_confirm_at|when }} and the payment released. Open a dispute before then if "
        "something is wrong.",
        ("order_id", "shop_name", "auto_confirm_at"),
    ),
    Kind(
        "order_marked_delivered", "buyer", Category.ESSENTIAL,
        "{{ shop_name }} says order #{{ order_id }} arrived",
        "{{ shop_name }} marked order #{{ order_id }} as delivered. If it has not arrived, or "
        "something is wrong, open a dispute on the order page before "
        "{{ auto_confirm_at|when }}: the payment is released to the seller then.",
        ("order_id", "shop_name", "auto_confirm_at"),
    ),
    Kind(
        "preorder_balance_due", "buyer", Category.ESSENTIAL,
        "Order #{{ order_id }} is ready: please pay the balance",
        "{{ shop_name }} is ready to ship your pre-order #{{ order_id }}. Pay the balance of "
        "{{ balance_cents|money:currency }} by {{ due_at|when }}; otherwise the order is "
        "cancelled and your deposit refunded in full.",
        ("order_id", "shop_name", "balance_cents", "currency", "due_at"),
    ),
    Kind(
        "order_completed", "buyer", Category.ESSENTIAL,
        "Order #{{ order_id }} is complete",
        "Order #{{ order_id }} from {{ shop_name }} is complete. You can now review it.",
        ("order_id", "shop_name"),
    ),
    Kind(
        "order_refunded", "buyer", Category.ESSENTIAL,
        "Refund of {{ amount_cents|money:currency }} for order #{{ order_id }}",
        "We refunded {{ amount_cents|money:currency }} for order #{{ order_id }}.",
        ("order_id", "amount_cents", "currency"),
    ),
    Kind(
        "dispute_opened", "buyer", Category.ESSENTIAL,
        "Dispute opened on order #{{ order_id }}",
        "A dispute was opened on order #{{ order_id }}: {{ reason }}. The payment stays held "
        "until our staff resolve it.",
        ("order_id", "reason"),
    ),
    Kind(
        "dispute_resolved", "buyer", Category.ESSENTIAL,
        "Dispute on order #{{ order_id }} resolved",
        "The dispute on order #{{ order_id }} is resolved: {{ outcome }}"
        "{% if refund_cents %}, {{ refund_cents|money:currency }} refunded{% endif %}."
        "{% if note %} {{ note }}{% endif %}",
        ("order_id", "outcome"),
        ("refund_cents", "currency", "note"),
    ),
    Kind(
        "preorder_date_moved", "buyer", Category.ESSENTIAL,
        "{{ shop_name }} moved the ship date of order #{{ order_id }}",
        "{{ shop_name }} moved the ship date of “{{ listing_title }}” (order #{{ order_id }}) "
        "from {{ moved_from|when }} to {{ ship_by|when }}. If that no longer suits you, you may "
        "cancel for a full refund until {{ cancel_until|when }}.",
        ("order_id", "shop_name", "listing_title", "moved_from", "ship_by", "cancel_until"),
    ),
    Kind(
        "preorder_short_harvest", "buyer", Category.ESSENTIAL,
        "Order #{{ order_id }} is cancelled: the harvest came in short",
        "The harvest of “{{ listing_title }}” at {{ shop_name }} came in short, so order "
        "#{{ order_id }} is cancelled and {{ amount_cents|money:currency }} refunded to you in "
        "full.{% if note %} The seller says: “{{ note }}”{% endif %}",
        ("order_id", "shop_name", "listing_title", "amount_cents", "currency"),
        ("note",),
    ),
    Kind(
        "late_payment_refunded", "buyer", Category.ESSENTIAL,
        "Your payment of {{ amount_cents|money:currency }} is being refunded",
        "Your payment of {{ amount_cents|money:currency }} arrived after "
        "{% if ',' in order_ids %}orders {{ order_ids }} were{% else %}order {{ order_ids }} "
        "was{% endif %} cancelled, so nothing can be delivered. We are refunding all of it to "
        "your card; nothing is kept.",
        ("amount_cents", "currency", "order_ids"),
    ),
    # --- seller ----------------------------------------------------------------------------
    Kind(
        "seller_order_paid", "seller", Category.ESSENTIAL,
        "New paid order #{{ order_id }}: {% if pickup %}hand over{% else %}ship{% endif %} by "
        "{{ ship_by|when }}",
        "New paid order #{{ order_id }} ({{ total_cents|money:currency }}). Please "
        "{% if pickup %}have it ready for the buyer to pick up{% else %}ship it{% endif %} by "
        "{{ ship_by|when }}.",
        ("order_id", "total_cents", "currency", "ship_by"),
        ("pickup",),
        sms=("Taobao Village: new paid order #{{ order_id }} ({{ total_cents|money:currency }}). "
             "Please {% if pickup %}have it ready for pickup{% else %}ship it{% endif %} by "
             "{{ ship_by|when }}."),
    ),
    Kind(
        "ship_by_soon", "seller", Category.REMINDERS,
        "{% if pickup %}Hand over{% else %}Ship{% endif %} order #{{ order_id }} within 24 hours",
        "Order #{{ order_id }} must {% if pickup %}be handed over{% else %}ship{% endif %} by "
        "{{ ship_by|when }}, or it may be cancelled and refunded.",
        ("order_id", "ship_by"),
        ("pickup",),
        sms=("Taobao Village: order #{{ order_id }} must {% if pickup %}be handed over"
             "{% else %}ship{% endif %} by {{ ship_by|when }} or it may be cancelled."),
    ),
    Kind(
        "order_cancelled", "seller", Category.ESSENTIAL,
        "Order #{{ order_id }} was cancelled",
        "Order #{{ order_id }} was cancelled{% if reason %}: {{ reason }}{% endif %}.",
        ("order_id",),
        ("reason",),
        sms=("Taobao Village: order #{{ order_id }} was cancelled. Do not send it."
             "{% if reason %} {{ reason }}{% endif %}"),
    ),
    Kind(
        "preorder_due_soon", "seller", Category.REMINDERS,
        "Pre-order “{{ listing_title }}” ships by {{ ship_by|when }}",
        "{{ order_count }} paid pre-order{{ order_count|pluralize }} of “{{ listing_title }}” "
        "({{ units }} in all) must ship by the end of {{ ship_by|when }}"
        "{% if days %}, {{ days }} day{{ days|pluralize }} from now{% else %}, today{% endif %}."
        " Any not shipped by then are cancelled and the buyers refunded in full.",
        ("listing_id", "listing_title", "ship_by", "days", "order_count", "units"),
    ),
    Kind(
        "preorder_balance_paid", "seller", Category.ESSENTIAL,
        "The balance of order #{{ order_id }} is paid",
        "The buyer paid the balance of pre-order #{{ order_id }} "
        "({{ balance_cents|money:currency }}); it is held in escrow. You can ship it now.",
        ("order_id", "balance_cents", "currency"),
    ),
    Kind(
        "buyer_confirmed", "seller", Category.ESSENTIAL,
        "The buyer confirmed order #{{ order_id }}",
        "The buyer confirmed that order #{{ order_id }} arrived.",
        ("order_id",),
    ),
    Kind(
        "escrow_released", "seller", Category.ESSENTIAL,
        "{{ amount_cents|money:currency }} released for order #{{ order_id }}",
        "{{ amount_cents|money:currency }} for order #{{ order_id }} was released to your "
        "balance.",
        ("order_id", "amount_cents", "currency"),
        sms=("Taobao Village: {{ amount_cents|money:currency }} for order #{{ order_id }} was "
             "released to your balance."),
    ),
    Kind(
        "payout_sent", "seller", Category.ESSENTIAL,
        "Payout of {{ amount_cents|money:currency }} sent",
        "We sent you a payout of {{ amount_cents|money:currency }}"
        "{% if provider_ref %} (reference {{ provider_ref }}){% endif %}.",
        ("amount_cents", "currency"),
        ("provider_ref",),
        sms="Taobao Village: we sent you a payout of {{ amount_cents|money:currency }}.",
    ),
    Kind(
        "hub_cash_code", "seller", Category.ESSENTIAL,
        "Your code to collect {{ amount_cents|money:currency }} at {{ hub_name }}",
        "Your code is {{ code }}. Tell it to the agent at {{ hub_name }} only when you have "
        "{{ amount_cents|money:currency }} in your hand. It works for 30 minutes.",
        ("amount_cents", "currency", "hub_name", "code"),
        sms=("Taobao Village: your code is {{ code }}. Tell it to the agent at {{ hub_name }} "
             "only with {{ amount_cents|money:currency }} in your hand. 30 minutes."),
    ),
    Kind(
        "hub_cash_collected", "seller", Category.ESSENTIAL,
        "You collected {{ amount_cents|money:currency }} at {{ hub_name }}",
        "You collected {{ amount_cents|money:currency }} of your shop's money at "
        "{{ hub_name }}. It is on your statement.",
        ("amount_cents", "currency", "hub_name"),
        sms=("Taobao Village: you collected {{ amount_cents|money:currency }} at {{ hub_name }}."
             " It is on your statement."),
    ),
    Kind(
        "payout_account_status", "seller", Category.ESSENTIAL,
        "Your payout account: {{ status_label }}",
        "Your payout account: {{ status_label }}."
        "{% if needed %} Stripe needs {{ needed }} before it can pay you.{% endif %}",
        ("status_label",),
        ("needed",),
    ),
    Kind(
        "listing_approved", "seller", Category.ESSENTIAL,
        "Your listing “{{ listing_title }}” is live",
        "Your listing “{{ listing_title }}” was approved and is now for sale.",
        ("listing_id", "listing_title"),
    ),
    Kind(
        "listing_rejected", "seller", Category.ESSENTIAL,
        "Your listing “{{ listing_title }}” was not approved",
        "Your listing “{{ listing_title }}” was not approved: {{ reason }}",
        ("listing_id", "listing_title", "reason"),
    ),
    Kind(
        "listing_taken_down", "seller", Category.ESSENTIAL,
        "Your listing “{{ listing_title }}” was taken down",
        "Your listing “{{ listing_title }}” was taken down: {{ reason }}",
        ("listing_id", "listing_title", "reason"),
    ),
    Kind(
        "report_resolved", "buyer", Category.ESSENTIAL,
        "Your report on “{{ listing_title }}”",
        "Thank you for reporting “{{ listing_title }}”. We looked at it and {{ outcome }}.",
        ("listing_title", "outcome"),
    ),
    Kind(
        "shop_reinstated", "seller", Category.ESSENTIAL,
        "{{ shop_name }} is open again",
        "Your shop {{ shop_name }} is reinstated: its listings are back on sale.",
        ("shop_name",),
    ),
    Kind(
        "shop_verified", "seller", Category.ESSENTIAL,
        "{{ shop_name }} is verified",
        "Your shop {{ shop_name }} is verified: you can now list goods for sale.",
        ("shop_name",),
    ),
    Kind(
        "shop_suspended", "seller", Category.ESSENTIAL,
        "{{ shop_name }} is suspended",
        "Your shop {{ shop_name }} is suspended: {{ reason }}",
        ("shop_name", "reason"),
    ),
    Kind(
        "new_review", "seller", Category.REVIEWS,
        "New {{ rating }}-star review for order #{{ order_id }}",
        "A buyer gave order #{{ order_id }} {{ rating }} out of 5 stars."
        "{% if text %} “{{ text|truncatechars:120 }}”{% endif %}",
        ("order_id", "rating"),
        ("text",),
    ),
    # --- village hubs: a neighbour's money at the hub (hubs/) -------------------------------
    Kind(
        "hub_cash_ready", "seller", Category.ESSENTIAL,
        "{{ amount_cents|money:currency }} is ready for you at {{ hub_name }}",
        "{{ amount_cents|money:currency }} from your sales is ready for you in cash at "
        "{{ hub_name }}. Ask the agent there to pay it out to you.",
        ("amount_cents", "currency", "hub_name"),
        sms=("Taobao Village: {{ amount_cents|money:currency }} from your sales is ready for you "
             "in cash at {{ hub_name }}. Ask the agent there."),
    ),
    # --- brand protection: rights owners, notices (brands/) ---------------------------------
    Kind(
        "rights_owner_verified", "owner", Category.ESSENTIAL,
        "{{ owner_name }} is verified as a rights owner",
        "{{ owner_name }} is verified as a rights owner: you and the people you add can now "
        "report listings that infringe your rights.",
        ("owner_name",),
    ),
    Kind(
        "rights_owner_rejected", "owner", Category.ESSENTIAL,
        "{{ owner_name }} was not verified as a rights owner",
        "We could not verify {{ owner_name }} as a rights owner: {{ reason }}",
        ("owner_name", "reason"),
    ),
    Kind(
        "notice_takedown", "seller", Category.ESSENTIAL,
        "“{{ listing_title }}” was taken down after a rights notice",
        "“{{ listing_title }}” was taken down: {{ owner_name }} says it infringes their right "
        "“{{ right_name }}” ({{ reason }}). You can answer the notice from “Notices against my "
        "shop”.",
        ("notice_id", "listing_title", "owner_name", "right_name", "reason"),
    ),
    Kind(
        "notice_decided", "seller", Category.ESSENTIAL,
        "Rights notice #{{ notice_id }}: {{ outcome }}",
        "Rights notice #{{ notice_id }} about “{{ right_name }}”: {{ outcome }}."
        "{% if note %} {{ note }}{% endif %}",
        ("notice_id", "right_name", "outcome"),
        ("note",),
    ),
    Kind(
        "staff_new_rights_owner", "staff", Category.ESSENTIAL,
        "{{ owner_name }} applied as a rights owner",
        "{{ owner_name }} applied as a rights owner and waits for verification.",
        ("owner_name",),
    ),
    Kind(
        "staff_new_notice", "staff", Category.ESSENTIAL,
        "New rights notice #{{ notice_id }} from {{ owner_name }}",
        "{{ owner_name }} filed rights notice #{{ notice_id }} about “{{ right_name }}” "
        "({{ reason }}); its listings are down until you decide.",
        ("notice_id", "owner_name", "right_name", "reason"),
    ),
    # --- village hubs: agents (hubs/) -------------------------------------------------------
    Kind(
        "hub_agent_verified", "agent", Category.ESSENTIAL,
        "You are a verified agent of {{ hub_name }}",
        "Staff verified you as an agent of {{ hub_name }}: your hub page shows the shops you "
        "help with, their orders to ship and the cash waiting for owners.",
        ("hub_name",),
    ),
    Kind(
        "hub_agent_rejected", "agent", Category.ESSENTIAL,
        "Your application to {{ hub_name }} was not accepted",
        "Staff did not accept your application to be an agent of {{ hub_name }}: {{ reason }}",
        ("hub_name", "reason"),
    ),
    Kind(
        "hub_agent_removed", "agent", Category.ESSENTIAL,
        "You are no longer an agent of {{ hub_name }}",
        "Staff removed you as an agent of {{ hub_name }}: {{ reason }} The shops you helped "
        "with are their owners' alone from now on.",
        ("hub_name", "reason"),
    ),
    Kind(
        "hub_agent_removed_owner", "seller", Category.ESSENTIAL,
        "{{ agent_name }} no longer runs {{ shop_name }} for you",
        "Staff removed {{ agent_name }} as an agent of {{ hub_name }}, so they no longer run "
        "{{ shop_name }} for you. The shop, its listings, its orders and its money stay yours; "
        "the hub can help you choose another agent.",
        ("hub_name", "shop_name", "agent_name"),
        sms=("Taobao Village: {{ agent_name }} no longer runs {{ shop_name }} for you. The shop, "
             "its orders and its money stay yours. {{ hub_name }} can help."),
    ),
    Kind(
        "staff_new_hub_agent", "staff", Category.ESSENTIAL,
        "{{ applicant_name }} applied to be an agent of {{ hub_name }}",
        "{{ applicant_name }} applied to be an agent of {{ hub_name }} and waits for a "
        "decision.",
        ("hub_name", "applicant_name"),
    ),
    # --- orders: hand-over code and delivery (buyer and seller) --------------------------------
    Kind(
        "pickup_code_locked", "buyer", Category.ESSENTIAL,
        "The hand-over code of order #{{ order_id }} is locked",
        "Ten wrong hand-over codes were entered for order #{{ order_id }}, so the code is "
        "locked. The buyer can ask for a new code on the order page.",
        ("order_id",),
    ),
    Kind(
        "hub_parcel_arrived", "buyer", Category.ESSENTIAL,
        "Order #{{ order_id }} is waiting for you at {{ hub_name }}",
        "Your order #{{ order_id }} from {{ shop_name }} arrived at {{ hub_name }}, "
        "{{ hub_address }}. Open: {{ hub_hours }}. Show your hand-over code from the order "
        "page when you collect it.",
        ("order_id", "shop_name", "hub_name", "hub_address", "hub_hours"),
        # The buyer's own hand-over code, only in the text: a neighbour reached by text alone
        # may never open the order page where it shows.
        ("pickup_code",),
        sms=("Taobao Village: order #{{ order_id }} is waiting for you at {{ hub_name }}. Open "
             "{{ hub_hours }}.{% if pickup_code %} Your hand-over code: {{ pickup_code }}"
             "{% endif %}"),
    ),
    # --- chargebacks and refunds that recover (money) ----------------------------------
    Kind(
        "chargeback_opened", "seller", Category.ESSENTIAL,
        "Chargeback on order #{{ order_id }}: its money is frozen",
        "The buyer's bank opened a chargeback of {{ amount_cents|money:currency }} on order "
        "#{{ order_id }}. Its money is frozen until the bank decides; we will tell you.",
        ("order_id", "amount_cents", "currency"),
    ),
    Kind(
        "chargeback_won", "seller", Category.ESSENTIAL,
        "Chargeback on order #{{ order_id }} decided for you",
        "The buyer's bank decided the chargeback on order #{{ order_id }} for you: the order's "
        "money is no longer frozen.",
        ("order_id",),
    ),
    Kind(
        "chargeback_lost", "seller", Category.ESSENTIAL,
        "Chargeback on order #{{ order_id }} decided for the buyer",
        "The buyer's bank decided the chargeback on order #{{ order_id }} for the buyer: "
        "{{ amount_cents|money:currency }} went back to them."
        "{% if owed_cents %} You owe {{ owed_cents|money:currency }}: your next sales pay it "
        "back before any payout.{% endif %}",
        ("order_id", "amount_cents", "currency"),
        ("owed_cents",),
    ),
    Kind(
        "chargeback_refunded", "buyer", Category.ESSENTIAL,
        "Your bank returned your payment for order #{{ order_id }}",
        "Your bank decided your chargeback on order #{{ order_id }} for you: "
        "{{ amount_cents|money:currency }} was returned through your bank.",
        ("order_id", "amount_cents", "currency"),
    ),
    Kind(
        "refund_after_release", "seller", Category.ESSENTIAL,
        "{{ amount_cents|money:currency }} refunded on order #{{ order_id }} after release",
        "{{ amount_cents|money:currency }} was refunded to the buyer of order #{{ order_id }} "
        "after its money was released to you, so it was taken back from your balance."
        "{% if owed_cents %} You owe {{ owed_cents|money:currency }}: your next sales pay it "
        "back before any payout.{% endif %}",
        ("order_id", "amount_cents", "currency"),
        ("owed_cents",),
    ),
    Kind(
        "refund_delayed", "buyer", Category.ESSENTIAL,
        "Your refund for order #{{ order_id }} is delayed",
        "Your refund of {{ amount_cents|money:currency }} for order #{{ order_id }} did not go "
        "through yet. Our team is on it and will try again; you do not need to do anything.",
        ("order_id", "amount_cents", "currency"),
    ),
    # --- brand protection: the seller's answer to a notice and what follows (issue 18) ------
    Kind(
        "counter_notice_received", "owner", Category.ESSENTIAL,
        "The seller answered your notice #{{ notice_id }}",
        "The seller answered your notice #{{ notice_id }} with a counter-notice. Unless you tell "
        "us by {{ action_due_at|when }} that you have filed a court action, the listings go back "
        "on sale.",
        ("notice_id", "action_due_at"),
    ),
    Kind(
        "notice_action_reported", "seller", Category.ESSENTIAL,
        "Notice #{{ notice_id }}: the rights owner filed a court action",
        "The rights owner told us they filed a court action about notice #{{ notice_id }}, so "
        "the listings stay down until it is settled.",
        ("notice_id",),
    ),
    Kind(
        "notice_listings_restored", "seller", Category.ESSENTIAL,
        "Notice #{{ notice_id }}: the listings are back on sale",
        "The listings on notice #{{ notice_id }} are back on sale: {{ why }}",
        ("notice_id", "why"),
    ),
    Kind(
        "counter_notice_kept_down", "seller", Category.ESSENTIAL,
        "Notice #{{ notice_id }}: the listings stay down",
        "Our team looked at notice #{{ notice_id }} and the seller's answer and decided the "
        "listings stay down: {{ note }}",
        ("notice_id", "note"),
    ),
    Kind(
        "owner_filing_suspended", "owner", Category.ESSENTIAL,
        "You may no longer file notices",
        "Too many of your recent notices were reversed, so you may no longer file notices: "
        "{{ note }}",
        ("note",),
    ),
    # --- village hubs: the owner of a shop an agent runs (hubs/) -----------------------------
    Kind(
        "hub_takeover_link", "seller", Category.ESSENTIAL,
        "Run {{ shop_name }} yourself",
        "{{ agent_name }} at {{ hub_name }} sent you a link to run your shop {{ shop_name }} "
        "yourself: open it within {{ days }} days, choose an e-mail address and a password.",
        ("shop_name", "hub_name", "agent_name", "days"),
        ("link_site", "link_path"),
        sms=("Taobao Village: to run your shop yourself, open {{ link_site }}{{ link_path }} "
             "within {{ days }} days. Sent by {{ agent_name }}."),
    ),
    Kind(
        "hub_help_ended", "agent", Category.ESSENTIAL,
        "You no longer run {{ shop_name }}",
        "You no longer run {{ shop_name }} for {{ owner_name }}: {{ ended }}.",
        ("shop_name", "owner_name", "ended"),
    ),
    # --- staff -----------------------------------------------------------------------------
    Kind(
        "staff_new_dispute", "staff", Category.ESSENTIAL,
        "New dispute on order #{{ order_id }}",
        "A buyer opened a dispute on order #{{ order_id }}: {{ reason }}",
        ("order_id", "reason"),
    ),
    Kind(
        "staff_new_report", "staff", Category.ESSENTIAL,
        "New report on “{{ listing_title }}”",
        "Listing “{{ listing_title }}” (#{{ listing_id }}) was reported: {{ reason }}",
        ("listing_id", "listing_title", "reason"),
    ),
    Kind(
        "staff_reconciliation_mismatch", "staff", Category.ESSENTIAL,
        "Reconciliation mismatch: {{ summary|truncatechars:80 }}",
        "Reconciliation found a mismatch: {{ summary }}",
        ("summary",),
        ("reference",),
    ),
    # --- staff sign-in security (issue 20) ---------------------------------------------------
    Kind(
        "staff_new_browser", "staff", Category.ESSENTIAL,
        "New staff sign-in from a browser we have not seen",
        "Your staff account signed in from a new browser ({{ browser }}) on "
        "{{ signed_in_at|when }}. If this was not you, ask another staff member to reset your "
        "second factor and change your password now.",
        ("browser", "signed_in_at"),
    ),
    Kind(
        "staff_second_factor_reset", "staff", Category.ESSENTIAL,
        "Your second factor was reset",
        "{{ reset_by }} removed the authenticator app and recovery codes from your staff account"
        " ({{ reason }}). You will set up a new one when you next sign in.",
        ("reset_by", "reason"),
    ),
]

KINDS: dict[str, Kind] = {kind.key: kind for kind in _KINDS}
KIND_CHOICES = [(key, key.replace("_", " ")) for key in KINDS]
