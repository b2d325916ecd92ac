"""Routes of the notifications API under /api/v1/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import DeliveryViewSet, ReminderPolicyViewSet, SubscriptionViewSet

router = SimpleRouter()
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("reminder-policies", ReminderPolicyViewSet, basename="reminder-policy")
router.register("deliveries", DeliveryViewSet, basename="delivery")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
