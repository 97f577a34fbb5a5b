import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from sellers.models import Category, Listing, Shop, Village

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    email_confirmed_at = factory.LazyFunction(timezone.now)  # UserFactory(email_confirmed_at=None)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    name = factory.Sequence(lambda n: f"Millbrook {n}")
    county = "Dutchess"
    state = "NY"
    slug = factory.Sequence(lambda n: f"millbrook-{n}-ny")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Hilltop Farm {n}")
    slug = factory.Sequence(lambda n: f"hilltop-farm-{n}")
    description = "Family farm goods."
    village = factory.SubFactory(VillageFactory)
    status = Shop.Status.ACTIVE


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    shop = factory.SubFactory(ShopFactory)
    title = factory.Sequence(lambda n: f"Jar of clover honey {n}")
    description = "Raw honey from our own hives."
    category = factory.SubFactory(CategoryFactory)
    price_cents = 1200
    stock = 10
    shipping_cents = 500
    local_pickup = False
    status = Listing.Status.ACTIVE
