from tests.console.conftest import _translations, sign_in  # noqa: F401  (shared fixtures)
