"""Routes of the projects API (included under /api/v1/ before the plans routes)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .dashboard import PlanDashboardView
from .milestones import IndicatorViewSet, MilestoneViewSet
from .views import ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("indicators", IndicatorViewSet, basename="indicator")

urlpatterns: list[URLPattern | URLResolver] = [
    path("plans/<int:pk>/dashboard/", PlanDashboardView.as_view(), name="plan-dashboard"),
    *router.urls,
]
