"""Routes of the plans API under /api/v1/ (projects, notifications and audit add their own)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from plans.api.views import auth, clusters, consensus, plans

router = SimpleRouter()
router.register("users", clusters.UserViewSet, basename="user")
router.register("clusters", clusters.ClusterViewSet, basename="cluster")
router.register("organizations", clusters.OrganizationViewSet, basename="organization")
router.register("stakeholders", clusters.StakeholderViewSet, basename="stakeholder")
router.register("role-assignments", clusters.RoleAssignmentViewSet, basename="roleassignment")
router.register("plans", plans.PlanViewSet, basename="plan")
router.register("strategic-lines", plans.StrategicLineViewSet, basename="strategicline")
router.register("phases", plans.PhaseViewSet, basename="phase")
router.register("forums", consensus.ForumViewSet, basename="forum")
router.register("agreements", consensus.AgreementViewSet, basename="agreement")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", auth.LogoutAllView.as_view(), name="auth-logout-all"),
    path("me/", auth.MeView.as_view(), name="me"),
    *router.urls,
]
