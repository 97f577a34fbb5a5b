from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from marketplace import health, seller_home
from marketplace.accounts import api as accounts_api
from marketplace.accounts import second_factor_views
from marketplace.accounts import views as accounts_views
from marketplace.accounts import views_account as account_views
from marketplace.catalog import views as catalog_views

api_v1 = [
    # The catalog first: most requests are its reads, and Django tries routes in order.
    path("", include("marketplace.catalog.api_urls")),
    path("", include("sellers.api_urls")),
    path("auth/register", accounts_api.RegisterApi.as_view(), name="api-register"),
    path("auth/token", accounts_api.TokenApi.as_view(), name="api-token"),
    path("auth/staff-token", accounts_api.StaffTokenApi.as_view(), name="api-staff-token"),
    path("auth/staff-code", accounts_api.StaffCodeApi.as_view(), name="api-staff-code"),
    path("auth/password-reset", accounts_api.PasswordResetApi.as_view(),
         name="api-password-reset"),
    path("me", accounts_api.MeApi.as_view(), name="api-me"),
    path("me/email-confirmation", accounts_api.EmailConfirmationApi.as_view(),
         name="api-me-email-confirmation"),
    path("me/email", accounts_api.EmailChangeApi.as_view(), name="api-me-email"),
    path("me/password", accounts_api.PasswordChangeApi.as_view(), name="api-me-password"),
    path("me/data", accounts_api.DataExportApi.as_view(), name="api-me-data"),
    path("", include("payments.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("moderation.api_urls")),
    path("", include("insights.api_urls")),
    path("", include("brands.api_urls")),
    path("", include("brands.api_urls_answers")),
    path("", include("hubs.api_urls_agents")),
    path("", include("hubs.api_urls_managed")),
    path("", include("hubs.api_urls_money")),
    path("", include("hubs.api_urls_parcels")),
]

urlpatterns = [
    path("", catalog_views.home, name="home"),
    # The catalog next: most requests are its pages, and Django tries routes in order.
    path("", include("marketplace.catalog.urls")),
    path("api/v1/", include(api_v1)),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", catalog_views.favicon, name="favicon"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/signup/", accounts_views.signup, name="signup"),
    path("accounts/login/", accounts_views.login_view, name="login"),
    path("accounts/logout/", accounts_views.logout_view, name="logout"),
    path("accounts/account/", account_views.account, name="account"),
    path("accounts/account/email/", account_views.email_change, name="account-email"),
    path("accounts/account/password/", account_views.PasswordChangePage.as_view(),
         name="account-password"),
    path("accounts/account/data/", account_views.data_download, name="account-data"),
    path("accounts/account/close/", account_views.close, name="account-close"),
    path("accounts/confirm-email/resend/", account_views.email_confirmation_resend,
         name="email-confirmation-resend"),
    path("accounts/confirm-email/<str:token>/", account_views.email_confirm_page,
         name="email-confirm"),
    path("accounts/change-email/<str:token>/", account_views.email_change_confirm_page,
         name="email-change-confirm"),
    path("accounts/password-reset/", account_views.PasswordResetPage.as_view(),
         name="password-reset"),
    path("accounts/password-reset/sent/", account_views.PasswordResetSentPage.as_view(),
         name="password-reset-sent"),
    path("accounts/reset/<uidb64>/<token>/", account_views.PasswordResetSetPage.as_view(),
         name="password-reset-confirm"),
    path("accounts/reset/done/", account_views.PasswordResetDonePage.as_view(),
         name="password-reset-done"),
    path("accounts/second-factor/setup/", second_factor_views.setup,
         name="second-factor-setup"),
    path("accounts/second-factor/verify/", second_factor_views.verify,
         name="second-factor-verify"),
    path("staff/second-factor/reset/", second_factor_views.reset, name="second-factor-reset"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("sell/", seller_home.seller_dashboard, name="sell-dashboard"),
    path("", include("sellers.urls")),
    path("", include("payments.urls")),
    path("", include("orders.urls")),
    path("", include("notifications.urls")),
    path("", include("moderation.urls")),
    path("", include("insights.staff_urls")),
    path("", include("insights.urls")),
    path("", include("brands.urls")),
    path("", include("brands.urls_answers")),
    # money first: its /staff/hubs/cash/ must come before the staff hub page /staff/hubs/<slug>/
    path("", include("hubs.urls_money")),
    path("", include("hubs.urls_agents")),
    path("", include("hubs.urls_managed")),
    path("", include("hubs.urls_parcels")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
