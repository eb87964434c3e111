from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Models that exist only in the test database, to exercise the kernel generically."""

    name = "omni.kernel.tests.testapp"
    label = "kernel_testapp"
