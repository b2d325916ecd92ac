"""The DRF glue every app's API stands on (plans, projects, notifications), one module a subject.

- `views`: `ClusterScopedViewSet` / `ClusterScopedMixin` (thin-view helpers) and `RowViewSet`
  (lists and details answered from selector rows), `actor_from_request`, `path_id`;
- `permissions`: `ClusterRolePermission` (reads the view's `roles`, an
  `ActionRoles` from the app's `permissions.py`) and `IsProgrammeAdmin`;
- `fields`: `ScopedPrimaryKeyRelatedField` (a related id only among rows the user may see);
- `concurrency`: `If-Match` / `ETag` (`parse_if_match`, `VersionedUpdateMixin`);
- `errors`: the exception handler (every error is `{"type", "detail", "errors"}`), `LockedOut`,
  the handler404/handler500 bodies under /api/;
- `schema`: `AutoSchema` and `ErrorSerializer`; `pagination`; `renderers` (orjson).

Settings (REST_FRAMEWORK, AXES_LOCKOUT_CALLABLE) and config/urls.py point at these paths.
"""
