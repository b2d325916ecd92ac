"""Audit routes under /api/v1/ (included before the plans router so these paths win)."""

from django.urls import URLPattern, URLResolver, path

from .api import AuditVerifyView, ChainExportView, PlanCompareView, PlanHistoryExportView, PlanHistoryView

urlpatterns: list[URLPattern | URLResolver] = [
    path("plans/<int:pk>/history/", PlanHistoryView.as_view(), name="plan-history"),
    path("plans/<int:pk>/history/export/", PlanHistoryExportView.as_view(), name="plan-history-export"),
    path("plans/<int:pk>/compare/", PlanCompareView.as_view(), name="plan-compare"),
    path("audit/verify/", AuditVerifyView.as_view(), name="audit-verify"),
    path("audit/chains/<int:chain_id>/export/", ChainExportView.as_view(), name="audit-chain-export"),
]
