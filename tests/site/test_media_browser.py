"""Pictures in real Chromium: a therapist uploads one for a patient's exercise through the admin
(1440×900), and the patient sees it on Today on a phone (390×844), allowed by the page's
Content-Security-Policy (browser_page_factory fails the test on any refusal)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from patients.models import PrescribedExerciseMedia
from tests.two_factor import browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def a_photo(path: Path) -> Path:
    """A phone's photo of a bridge, roughly: a mat, a body, GPS in its EXIF."""
    picture = Image.new("RGB", (1200, 800), (232, 240, 248))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((100, 600, 1100, 640), fill=(70, 130, 180))  # the mat
    draw.line((250, 590, 600, 420, 850, 590), fill=(40, 40, 40), width=40)  # shoulders, hips, feet
    draw.ellipse((170, 530, 270, 630), fill=(40, 40, 40))  # the head
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0)}
    picture.save(path, format="JPEG", exif=exif.tobytes())
    return path


def test_a_therapist_uploads_a_picture_and_the_patient_sees_it_on_today(
    live_site,
    browser_page_factory,
    runner: SimpleNamespace,
    screenshot_dir: Path,
    settings,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    item = runner.bridge_a
    admin = browser_page_factory(width=1440, height=900)
    browser_log_in(admin, live_site.url, runner.owner.user)
    admin.goto(
        f"{live_site.url}/admin/patients/prescribedexercisemedia/add/?prescribed_exercise={item.pk}"
    )
    admin.set_input_files("#id_upload", str(a_photo(tmp_path / "IMG_0042.jpg")))
    admin.fill("#id_caption", "Your bridge on the living-room mat: shoulders down, hips up")
    admin.click("input[name=_continue]")
    admin.wait_for_selector("text=was added successfully")
    media = PrescribedExerciseMedia.objects.get()
    preview = admin.locator(f'img[src="/media/programme/{media.pk}/"]')
    preview.wait_for()
    assert admin.evaluate("(img) => img.naturalWidth", preview.element_handle()) > 0
    admin.screenshot(path=str(screenshot_dir / "admin-media-upload.png"))

    phone = browser_page_factory(width=390, height=844)
    phone.goto(f"{live_site.url}/")
    phone.fill("#id_username", runner.patient_a.user.email)
    phone.fill("#id_password", "a-strong-passphrase")
    phone.click("button[type=submit]")
    picture = phone.locator(f"#card-{item.pk} img.exercise-media-file")
    picture.wait_for()
    picture.scroll_into_view_if_needed()
    phone.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    assert picture.get_attribute("alt") == media.caption
    card = phone.locator(f"#card-{item.pk}")
    card.screenshot(path=str(screenshot_dir / "patient-today-picture.png"))
    stored = media.file.open("rb").read()
    assert b"PhoneMaker" not in stored
    assert Image.open(io.BytesIO(stored)).size == (1200, 800)
