"""The payments service contract — the only module other apps call to move money.

`payments` knows money, not orders. Everything is keyed by an opaque reference string
("checkout:7", "order:42") and, for escrow, a sellers.Shop. payments imports nothing from
orders/moderation/marketplace. Amounts are integer cents + ISO currency ("USD").
Domain errors carry `http_status` (the API handler maps them): InvalidAmount 400,
PaymentDeclined 402, EscrowNotFound 404, EscrowConflict/PaymentConflict/
PayoutConflict/EscrowFrozen/RefundRefused 409, PaymentProviderUnavailable 503 (Stripe
silent: outcome recorded as unknown; retry the same call later, it reuses its idempotency key).

RULE: call the functions that talk to Stripe (payment_intent_create/confirm/sync, escrow_refund,
escrow_resolve_partial) OUTSIDE your own transaction.atomic()/select_for_update: they must not
hold your row locks while Stripe answers. escrow_hold and escrow_release never call Stripe and
may run inside your transaction (they lock PaymentIntent → Escrow, after your rows).

Checkout (one PaymentIntent per checkout reference):
  payment_intent_create(*, reference, amount_cents, currency, idempotency_key, metadata=None)
      -> PaymentIntent (fields: stripe_id, client_secret, status). Same key → same intent;
      a reference already used with another key → PaymentConflict 409.
  payment_intent_confirm(*, reference, payment_method) -> PaymentResult
      server-side confirmation: attaches payment_method by update, then confirms with no args.
      Declined → PaymentDeclined 402. requires_action → result.client_secret for Stripe.js.
  payment_intent_sync(*, reference) -> PaymentResult   (fetch current state from Stripe, apply)
  payment_intent_cancel(*, reference) -> PaymentResult (unpaid → canceled at Stripe; a paid
      intent stays succeeded and is returned as such)
  PaymentResult(reference, payment_intent_id, status, client_secret, amount_cents, currency,
      message); status ∈ PaymentIntent.Status (succeeded, requires_action, failed, …).

Outcomes (webhook, confirm and sync all converge here, once per call, idempotently):
  payment_outcome_handler_register(*, kind="checkout", handler=fn)   # in AppConfig.ready()
  fn(outcome: PaymentOutcome) with outcome.reference, .payment_intent_id (Stripe id),
      .status ∈ {"succeeded", "failed", "canceled", "disputed"}, .amount_cents, .currency,
      .message. The handler may be called more than once for the same outcome (repeated
      webhooks, sync after confirm): make it idempotent. "failed" means the last card was
      declined — the buyer may retry; do not cancel on it. A mismatching amount/currency is
      never dispatched: it is flagged for staff (ReconciliationIssue).
  On "succeeded", call escrow_hold once per order of the checkout.

Escrow (one per order reference; every step idempotent: a repeat returns the summary and
moves nothing):
  escrow_hold(*, reference, shop, amount_cents, currency, payment_intent_id, actor=None)
      the intent must be succeeded; the holds of one intent never exceed what was paid.
  escrow_top_up(*, reference, amount_cents, currency, payment_intent_id, actor=None)
      a second succeeded payment (a pre-order's balance) added to a held escrow; refunds of
      it are split across the payments it came from (one Refund per payment).
  escrow_release(*, reference, actor=None)   remaining → seller payable − fee, fee → platform.
      After a full refund → EscrowConflict 409; while a refund is in flight → 409.
  escrow_refund(*, reference, amount_cents=None, idempotency_key="", actor=None, note="")
      None = all that remains. Via Stripe, then the ledger. Over-refund → 409; after release
      → 409. Default key = refund:<ref>:<amount|full>.
  escrow_resolve_partial(*, reference, refund_cents, actor=None, note="")   dispute outcome:
      refund part, release the rest (0 → release all; all → refund all).
  escrow_summary(*, reference) / escrow_summary_or_none(*, reference) -> EscrowSummary(status,
      currency, held_cents, released_cents, refunded_cents, fee_cents, remaining_cents) — use
      it for the order's `escrow` field ("none" when None).

Payouts and staff: payouts_run() (daily job), payout_mark_paid(*, payout, bank_reference,
actor), reconciliation_run(*, days=3), issue_resolve(*, issue, actor). A payout whose
transfer got no answer is looked up in Stripe's transfer list (transfer_group payout:<id>)
before it is sent again.

Village hubs (payments imports no hubs; the hubs app registers its provider in ready()):
  hub_commission_provider_register(fn)   fn(shop_id) -> (hub_id, commission_bps) | None, the
      hub whose agent manages the shop now. escrow_release (and so a partial dispute outcome)
      then posts the commission — released amount × bps, rounded once (money.hub_commission_
      cents) — to hub_commission:<hub>, out of the seller's share, never the platform fee.
      Refunds before release take none; a refund after release or a lost chargeback takes it
      back pro rata with the seller's share and the fee.
  hub_cash_out_room(*, shop, currency="USD") -> cents an owner may collect at a hub now
      (suspended shop or an owner with an enabled payout account → PayoutConflict 409).
  hub_cash_out_record(*, shop_id, hub_id, amount_cents, reference, actor=None) -> entry:
      under the shop's lock, seller_payable → seller_paid_out and hub_cash_advanced →
      hub_cash_owed; more than the room → PayoutConflict 409. Idempotent by reference.
  hub_settlement_record(*, hub_id, amount_cents, reference, actor=None) -> entry: staff paid
      the hub; hub_cash_owed → hub_cash_advanced; more than owed → PayoutConflict 409. Call
      holding the hub's lock.

Chargebacks and refunds after payment (outcomes carry escrow_references, "order:<id>"):
  charge.dispute.created → every escrow of the payment `frozen` (release/refund → EscrowFrozen
      409), outcome "disputed". charge.dispute.closed won → thawed, outcome "dispute_won";
      lost → escrow (or what was released: seller payable + fee) → chargebacks, escrow
      `refunded`, outcome "dispute_lost". The seller's available balance may go negative.
  charge.refunded above our ledger → refunds_external_apply: posted like our own refunds
      (after release: from the seller's balance), outcome "refunded".
  A refund Stripe refuses → Refund `failed`, RefundRefused 409, outcome "refund_failed";
      refund_retry(*, refund_id, actor) tries it again (key <key>:attempt-N), outcome
      "refunded"; refund.updated to failed → refund_reported_failed reopens it.
"""

from ..selectors import EscrowSummary, escrow_summary, escrow_summary_or_none
from .chargebacks import chargeback_closed, chargeback_opened
from .escrow import (
    escrow_hold,
    escrow_refund,
    escrow_release,
    escrow_resolve_partial,
    escrow_top_up,
)
from .hub_money import (
    hub_cash_out_record,
    hub_cash_out_room,
    hub_commission_provider_register,
    hub_settlement_record,
)
from .intents import (
    PaymentOutcome,
    PaymentResult,
    payment_intent_apply,
    payment_intent_cancel,
    payment_intent_confirm,
    payment_intent_create,
    payment_intent_sync,
    payment_outcome_handler_register,
)
from .issues import issue_flag, issue_resolve
from .payouts import payout_create, payout_mark_paid, payout_send, payouts_owed_csv, payouts_run
from .reconciliation import reconciliation_run
from .refund_recovery import (
    refund_reported_failed,
    refund_retry,
    refunds_external_apply,
    refunds_settle_open,
)
from .webhooks import webhook_event_receive, webhook_event_verify

__all__ = [
    "EscrowSummary", "PaymentOutcome", "PaymentResult",
    "chargeback_closed", "chargeback_opened", "refund_reported_failed", "refund_retry",
    "refunds_external_apply",
    "escrow_hold", "escrow_refund", "escrow_release", "escrow_resolve_partial", "escrow_top_up",
    "escrow_summary", "escrow_summary_or_none", "issue_flag", "issue_resolve",
    "hub_cash_out_record", "hub_cash_out_room", "hub_commission_provider_register",
    "hub_settlement_record",
    "payment_intent_apply", "payment_intent_cancel", "payment_intent_confirm",
    "payment_intent_create",
    "payment_intent_sync", "payment_outcome_handler_register", "payout_create",
    "payout_mark_paid", "payout_send", "payouts_owed_csv", "payouts_run",
    "reconciliation_run", "refunds_settle_open", "webhook_event_receive",
    "webhook_event_verify",
]
