import random
import time
from base64 import b32decode

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw, ImageFont

from brands.models import RightsOwner
from brands.services import (
    notice_decide,
    notice_file,
    notice_withdraw,
    owner_apply,
    owner_decide,
    rights_notice_backdate,
)
from hubs.models import Hub, HubAgent
from hubs.services.agents import agent_apply, agent_decide
from hubs.services.hub_admin import hub_create
from insights.services import staff_days_rebuild, summaries_rebuild
from marketplace import demo_data, demo_history
from sellers.images import listing_image_store
from sellers.models import Category, Listing, Shop, Village
from sellers.services import search_vocabulary_rebuild, shop_verify

User = get_user_model()
DEMO_PROOF_PDF = b"%PDF-1.4\n% demo registration certificate\n%%EOF\n"

PALETTE = {
    "food-farm": [(244, 196, 78), (229, 152, 48), (196, 120, 58)],
    "home-textiles": [(140, 90, 150), (80, 120, 170), (170, 70, 80)],
    "tools-parts": [(90, 100, 110), (120, 130, 90), (150, 80, 50)],
    "crafts-gifts": [(120, 160, 110), (190, 140, 160), (110, 150, 160)],
}


def draw_listing_picture(title: str, family: str, seed: int) -> Image.Image:
    """Draw a simple, distinct product picture: no photo is downloaded."""
    rng = random.Random(seed)
    colors = PALETTE[family]
    base = colors[seed % len(colors)]
    image = Image.new("RGB", (900, 900), base)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 900), rng.randrange(0, 900)
        r = rng.randrange(60, 220)
        shade = tuple(min(255, c + rng.randrange(20, 60)) for c in base)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    draw.rounded_rectangle((60, 600, 840, 840), radius=28, fill=(255, 255, 255))
    font = ImageFont.load_default(size=54)
    words, lines, line = title.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > 740 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    for index, text in enumerate(lines[:3]):
        draw.text((90, 620 + index * 66), text, fill=(31, 42, 31), font=font)
    return image


class Command(BaseCommand):
    help = "Load the demo marketplace: categories, villages, shops, listings and three log-ins."

    def add_arguments(self, parser):
        parser.add_argument("--no-images", action="store_true", help="skip drawing images")
        parser.add_argument("--no-history", action="store_true",
                            help="skip the 18 months of past orders, reviews and reports")

    @transaction.atomic
    def handle(self, *args, no_images=False, no_history=False, **options):
        families = self._categories()
        villages = self._villages()
        password = demo_data.DEMO_PASSWORD
        buyer = self._user(*demo_data.DEMO_BUYER, password)
        seller = self._user(*demo_data.DEMO_SELLER, password)
        staff = self._user(*demo_data.DEMO_STAFF, password, is_staff=True, is_superuser=True)
        self._authenticator(staff, demo_data.DEMO_STAFF_TOTP_SECRET)
        categories = {c.slug: c for c in Category.objects.all()}
        created_listings = 0
        for index, (name, village_index, description, goods) in enumerate(demo_data.SHOPS):
            owner = seller if index == 0 else self._user(
                f"{slugify(name)}@demo.taobaovillage.test", name, password
            )
            shop, _ = Shop.objects.get_or_create(
                slug=slugify(name),
                defaults={
                    "owner": owner,
                    "name": name,
                    "description": description,
                    "village": villages[village_index],
                    "status": Shop.Status.PENDING_VERIFICATION,
                },
            )
            if shop.status == Shop.Status.PENDING_VERIFICATION:
                shop = shop_verify(shop_id=shop.pk)  # through the shop state machine
            for position, (title, category, price, stock, shipping, pickup) in enumerate(goods):
                days_ahead, deposit_bps = demo_data.PREORDERS.get(title, (None, 10000))
                listing, created = Listing.objects.get_or_create(
                    shop=shop,
                    title=title,
                    defaults={
                        "description": f"{title}, from {shop.name} in {shop.village}.\n"
                        f"{description}",
                        "category": categories[category],
                        "price_cents": price,
                        "stock": stock,
                        "shipping_cents": shipping,
                        "local_pickup": pickup,
                        "status": Listing.Status.ACTIVE,
                        "created": timezone.now() - timezone.timedelta(hours=position * 7 + index),
                        "preorder_ships_by": timezone.localdate() + timezone.timedelta(
                            days=days_ahead) if days_ahead else None,
                        "preorder_deposit_bps": deposit_bps,
                    },
                )
                if created:
                    created_listings += 1
                    if not no_images:
                        family = families[category]
                        picture = draw_listing_picture(title, family, listing.pk)
                        listing_image_store(listing=listing, image=picture, position=0)
        rights_holder = self._user(*demo_data.DEMO_RIGHTS_OWNER, password)
        self._brand_protection(rights_holder, staff)
        agent = self._user(*demo_data.DEMO_AGENT, password)
        self._hub(village=villages[demo_data.SHOPS[0][1]], agent=agent, staff=staff)
        search_vocabulary_rebuild()  # typo correction knows the demo words at once
        if not no_history:
            self._history(staff=staff, password_hash=buyer.password)
        self.stdout.write(
            f"Demo data ready: {Category.objects.count()} categories, "
            f"{Village.objects.count()} villages, {Shop.objects.count()} shops, "
            f"{Listing.objects.count()} listings ({created_listings} new)."
        )
        self.stdout.write(f"Demo log-ins (password for all: {password}):")
        for role, user in (("buyer", buyer), ("seller", seller), ("staff", staff),
                           ("rights owner", rights_holder), ("hub agent", agent)):
            self.stdout.write(f"  {role:<12} {user.email}")
        self.stdout.write(f"  staff authenticator key (TOTP): "
                          f"{demo_data.DEMO_STAFF_TOTP_SECRET}")

    def _history(self, *, staff, password_hash: str) -> None:
        started = time.monotonic()
        counts = demo_history.history_build(staff=staff, password_hash=password_hash)
        if counts.orders:
            # The charts read the daily summaries: count the history's days into them.
            summaries_rebuild()
            staff_days_rebuild()
            self.stdout.write(
                f"Demo history: {counts.orders} orders, {counts.reviews} reviews, "
                f"{counts.reports} reports, {counts.disputes} disputes over "
                f"{demo_history.MONTHS} months ({time.monotonic() - started:.1f} s)."
            )

    def _categories(self) -> dict[str, str]:
        """Create the two-level tree; return each child slug's top-level slug."""
        families = {}
        for top_position, ((name, slug), children) in enumerate(demo_data.CATEGORIES.items()):
            parent, _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "position": top_position}
            )
            families[slug] = slug
            for position, (child_name, child_slug, confirm_days) in enumerate(children):
                Category.objects.get_or_create(
                    slug=child_slug,
                    defaults={
                        "name": child_name,
                        "parent": parent,
                        "position": position,
                        "auto_confirm_days": confirm_days,
                    },
                )
                families[child_slug] = slug
        return families

    def _villages(self) -> list[Village]:
        villages = []
        for name, county, state in demo_data.VILLAGES:
            village, _ = Village.objects.get_or_create(
                slug=slugify(f"{name}-{state}"),
                defaults={"name": name, "county": county, "state": state},
            )
            villages.append(village)
        return villages

    def _authenticator(self, user, secret: str) -> None:
        """The demo staff member's TOTP authenticator, with the fixed demo key."""
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True,
                                      key=b32decode(secret).hex())

    def _brand_protection(self, applicant, staff) -> None:
        """A verified rights owner with its proof and one notice in each final state, filed
        and decided through the brands services (once: skipped when the owner exists)."""
        if RightsOwner.objects.filter(applicant=applicant).exists():
            return
        brand = demo_data.DEMO_BRAND
        proof = SimpleUploadedFile("hearthstone-registration.pdf", DEMO_PROOF_PDF)
        owner = owner_apply(
            applicant=applicant, kind=RightsOwner.Kind.COMPANY, name=brand["owner"],
            right={"name": brand["right"], "basis": "registered",
                   "registration_number": brand["registration_number"],
                   "registration_office": brand["registration_office"]},
            documents=[proof])
        owner_decide(owner_id=owner.pk, actor=staff, verify=True,
                     note="USPTO record matches the certificate.")
        right = owner.rights.get()
        for title, reason, outcome, days_ago in demo_data.DEMO_NOTICES:
            listing = Listing.objects.get(title=title)
            notice = notice_file(
                actor=applicant, right_id=right.pk, listing_ids=[listing.pk], reason=reason,
                evidence="The logo and the casting marks differ from our genuine pans; the "
                         "photos are from our catalog.",
                sworn=True, signature_name=applicant.display_name)
            if outcome in ("upheld", "reversed"):
                notice_decide(notice_id=notice.pk, actor=staff,
                              decision="uphold" if outcome == "upheld" else "reverse",
                              note="Compared with the owner's catalog photos.")
            elif outcome == "withdrawn":
                notice_withdraw(actor=applicant, notice_id=notice.pk,
                                note="Agreed with the seller: sold as a pattern, not our brand.")
            rights_notice_backdate(notice_id=notice.pk, days=days_ago)

    def _hub(self, *, village, agent, staff) -> None:
        """A village hub in the demo seller's village with a verified agent, opened and decided
        through the hubs services (once: skipped when the hub exists)."""
        details = dict(demo_data.DEMO_HUB)
        statement = details.pop("statement")
        hub = Hub.objects.filter(village=village, name=details["name"]).first()
        if hub is None:
            hub = hub_create(actor=staff, village_id=village.pk, **details)
        if not HubAgent.objects.filter(user=agent).exists():
            application = agent_apply(user=agent, hub_slug=hub.slug, statement=statement)
            agent_decide(application_id=application.pk, actor=staff, decision="verify",
                         note="Met at the store; references from two farm families.")

    def _user(self, email, display_name, password, **flags):
        # Demo people have confirmed their e-mail addresses: the demo seller can be paid.
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": display_name,
                                   "email_confirmed_at": timezone.now(), **flags}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user
