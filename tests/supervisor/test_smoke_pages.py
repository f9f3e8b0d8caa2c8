"""Every supervisor, admin and workspace page renders for an admin on a database with a ticket."""
from tests.console.conftest import text_of


def test_pages_render(client, make, staff, sign_in, loop):
    make.inbound("email", "kim@example.kr", "환불해 주세요", subject="환불")
    loop()
    sign_in("admin")
    for path in ("/", "/supervisor/floor", "/supervisor/floor/live", "/supervisor/reports", "/admin/queues",
                 "/admin/agents", "/admin/channels", "/admin/sla", "/admin/hours", "/admin/macros", "/admin/audit",
                 "/notifications", "/nav-counts", "/supervisor/floor.json", "/tickets/1001"):
        response = client.get(path)
        assert response.status_code == 200, (path, text_of(response)[:3000])
