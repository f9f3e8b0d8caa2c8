"""Pictures pasted into a mail (cid: parts) show in the timeline, served only as raster images."""
from __future__ import annotations

from sqlalchemy import select

from channels.email.processor import process
from desk.extensions import db
from desk.models import Interaction
from tests.conftest import login


def test_inline_cid_images_show_in_the_timeline(app, client, staff):
    import base64

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    raw = (b"From: Kim <kim@example.kr>\r\nTo: support@desk.test\r\nSubject: screenshot\r\nMessage-ID: <cid@x>\r\n"
           b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n'
           b'--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>see <img src="cid:shot1@kim" alt="shot"></p>\r\n'
           b"--r\r\nContent-Type: image/png\r\nContent-ID: <shot1@kim>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode(png) + b"\r\n--r--\r\n")
    assert process(raw)[0] == "processed"
    interaction = db.session.scalar(select(Interaction).where(Interaction.external_id == "cid@x"))
    [image] = interaction.attachments
    login(client, staff["admin"].email)
    page = client.get(f"/tickets/{interaction.ticket.number}").get_data(as_text=True)
    src = f"/attachments/{image.id}/{image.filename}?inline=1"
    assert f'src="{src}"' in page and "cid:shot1" not in page
    shown = client.get(src)
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.data == png
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    download = client.get(f"/attachments/{image.id}/{image.filename}")
    assert download.mimetype == "application/octet-stream"  # without ?inline it stays a download
