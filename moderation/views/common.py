from moderation.errors import ModerationError
from orders.errors import OrderError
from payments.errors import PaymentsError
from sellers.errors import SellersError

DOMAIN_ERRORS = (ModerationError, OrderError, PaymentsError, SellersError)

