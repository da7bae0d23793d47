"""A clinic's own pictures and videos of its exercises: what an upload must be (found by its bytes,
within its limit, a picture cleaned of its metadata), that nothing is kept of a refused one, and
who gets the file back.

Real files, in a temporary MEDIA_ROOT; the admin's own form, as a therapist posts it. Three people
(tests/conftest.py `clinic_people`): the owner and a colleague of clinic A, an outsider of B."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, PngImagePlugin

from exercises.media import NOT_MEDIA
from exercises.models import Exercise, ExerciseMedia
from exercises.services import exercise_media_add, exercise_media_remove
from tests.exercises.test_tenancy import exercise_form
from tests.two_factor import verified_login

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 1) -> bytes:
    """A phone's photo: EXIF with the camera, its orientation and where it was taken."""
    picture = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "PhoneModel 12"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    written = io.BytesIO()
    picture.save(written, format="JPEG", exif=exif.tobytes())
    return written.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Taken at 12 Acacia Avenue")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret place</x:xmpmeta>")
    written = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 128, 255, 200)).save(written, format="PNG", pnginfo=info)
    return written.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 200
EXECUTABLES = {
    "windows": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300,
    "linux": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 300,
}


@pytest.fixture
def clinic_exercise(clinic_people: SimpleNamespace) -> Exercise:
    return Exercise.objects.create(
        slug="wall-sit",
        name="Wall sit",
        category="strength",
        library=clinic_people.clinic_a.library,
    )


def add(exercise: Exercise, name: str, data: bytes, caption: str = "Back flat on the wall"):
    return exercise_media_add(exercise=exercise, upload=upload(name, data), caption=caption)


# What an upload must be --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(EXECUTABLES))
def test_a_renamed_executable_is_refused_and_nothing_is_stored(
    clinic_exercise: Exercise, media_root: Path, kind: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        add(clinic_exercise, "photo.jpg", EXECUTABLES[kind])
    assert refused.value.messages == [NOT_MEDIA]
    assert not ExerciseMedia.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_an_oversized_picture_is_refused_with_the_limit_and_nothing_is_stored(
    clinic_exercise: Exercise, media_root: Path, settings
) -> None:
    settings.MEDIA_IMAGE_MAX_BYTES = 1024
    big = jpeg_with_gps(size=(400, 400))
    assert len(big) > 1024
    with pytest.raises(ValidationError) as refused:
        add(clinic_exercise, "photo.jpg", big)
    assert "a picture may be at most 1.0 KB" in refused.value.messages[0]
    assert not ExerciseMedia.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_an_oversized_video_is_refused_with_the_limit(
    clinic_exercise: Exercise, media_root: Path, settings
) -> None:
    settings.MEDIA_VIDEO_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        add(clinic_exercise, "clip.mp4", MP4)
    assert "a video may be at most 100 bytes" in refused.value.messages[0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_photo_with_gps_is_stored_upright_without_any_metadata(
    clinic_exercise: Exercise, media_root: Path
) -> None:
    original = jpeg_with_gps(size=(40, 20), orientation=6)  # taken with the phone turned
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    media = add(clinic_exercise, "IMG_2024-05-01_Acacia-Avenue.jpg", original)

    (path,) = stored_files(media_root)
    assert "Acacia" not in str(path) and path.suffix == ".jpg"
    stored = path.read_bytes()
    with Image.open(path) as picture:
        assert picture.format == "JPEG"
        assert len(picture.getexif()) == 0
        assert "exif" not in picture.info and "icc_profile" not in picture.info
        assert picture.size == (20, 40)  # turned as its orientation said, then forgotten
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    assert (media.kind, media.content_type, media.size) == ("image", "image/jpeg", len(stored))
    assert (media.width, media.height) == (20, 40)


@pytest.mark.django_db
def test_a_png_loses_its_text_chunks(clinic_exercise: Exercise, media_root: Path) -> None:
    add(clinic_exercise, "diagram.png", png_with_text())
    (path,) = stored_files(media_root)
    stored = path.read_bytes()
    assert b"Acacia" not in stored and b"secret place" not in stored
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.mode == "RGBA"
        assert not picture.text


@pytest.mark.django_db
def test_a_large_picture_is_scaled_down(clinic_exercise: Exercise, media_root: Path) -> None:
    written = io.BytesIO()
    Image.new("RGB", (3000, 1500), "green").save(written, format="WEBP")
    media = add(clinic_exercise, "wide.webp", written.getvalue())
    assert (media.width, media.height, media.content_type) == (2000, 1000, "image/webp")


@pytest.mark.django_db
def test_a_picture_claiming_too_many_pixels_is_refused_before_it_is_decoded(
    clinic_exercise: Exercise, media_root: Path
) -> None:
    written = io.BytesIO()
    Image.new("1", (10_000, 9_000)).save(written, format="PNG")  # 90 megapixels, a few KB
    with pytest.raises(ValidationError) as refused:
        add(clinic_exercise, "tiny.png", written.getvalue())
    assert "at most 80 megapixels" in refused.value.messages[0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "content_type", "suffix"), [(MP4, "video/mp4", ".mp4"), (WEBM, "video/webm", ".webm")]
)
def test_mp4_and_webm_pass_as_videos_stored_as_uploaded(
    clinic_exercise: Exercise, media_root: Path, data: bytes, content_type: str, suffix: str
) -> None:
    media = add(clinic_exercise, "clip.bin", data)
    assert (media.kind, media.content_type) == ("video", content_type)
    (path,) = stored_files(media_root)
    assert path.suffix == suffix and path.read_bytes() == data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        b"Just some notes about the exercise, named like a video.",
        b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ",  # a QuickTime .mov
        b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + b"\x00" * 40,  # Matroska, not WebM
        b"GIF89a\x01\x00\x01\x00",
    ],
)
def test_anything_else_named_as_a_video_is_refused(
    clinic_exercise: Exercise, media_root: Path, data: bytes
) -> None:
    with pytest.raises(ValidationError) as refused:
        add(clinic_exercise, "clip.mp4", data)
    assert refused.value.messages == [NOT_MEDIA]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_damaged_picture_is_refused_with_a_message(
    clinic_exercise: Exercise, media_root: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        add(clinic_exercise, "photo.jpg", jpeg_with_gps()[:200])
    assert "could not be read" in refused.value.messages[0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_shipped_exercise_cannot_get_media(library: None, media_root: Path) -> None:
    bridge = Exercise.objects.get(slug="glute-bridge")
    with pytest.raises(ValidationError) as refused:
        add(bridge, "photo.jpg", jpeg_with_gps())
    assert "clinic's own exercises" in refused.value.messages[0]
    assert not ExerciseMedia.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_caption_is_required(clinic_exercise: Exercise, media_root: Path) -> None:
    with pytest.raises(ValidationError):
        add(clinic_exercise, "photo.jpg", jpeg_with_gps(), caption="  ")
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_removing_media_removes_its_file_once_committed(
    clinic_people: SimpleNamespace, media_root: Path
) -> None:
    exercise = Exercise.objects.create(
        slug="wall-sit",
        name="Wall sit",
        category="strength",
        library=clinic_people.clinic_a.library,
    )
    media = add(exercise, "photo.jpg", jpeg_with_gps())
    assert len(stored_files(media_root)) == 1
    exercise_media_remove(media=media)
    assert stored_files(media_root) == []


# Through the admin, as a therapist uploads -------------------------------------------------


def media_inline(**fields: object) -> dict[str, object]:
    return {
        "media-TOTAL_FORMS": "1",
        "media-INITIAL_FORMS": "0",
        "media-MIN_NUM_FORMS": "0",
        "media-MAX_NUM_FORMS": "10",
        "media-0-position": "1",
        **{f"media-0-{name}": value for name, value in fields.items()},
    }


@pytest.mark.django_db
def test_a_therapist_adds_a_picture_with_the_exercise_in_the_admin_cleaned(
    library: None, clinic_people: SimpleNamespace, media_root: Path
) -> None:
    client = verified_login(Client(), clinic_people.owner.user)
    response = client.post(
        reverse("admin:exercises_exercise_add"),
        exercise_form(
            **media_inline(
                upload=upload("IMG_0001.jpg", jpeg_with_gps()),
                caption="Back flat on the wall, knees over the ankles",
            )
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    media = ExerciseMedia.objects.get()
    assert media.exercise.slug == "wall-sit"
    assert media.uploaded_by == clinic_people.owner.user
    (path,) = stored_files(media_root)
    assert b"PhoneMaker" not in path.read_bytes()
    page = client.get(reverse("admin:exercises_exercise_change", args=[media.exercise_id]))
    assert reverse("exercise_media", args=[media.pk]) in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (EXECUTABLES["windows"], "This file is not a picture (JPEG, PNG, WebP) or a video"),
        (MP4 + b"\x00" * 2048, "a video may be at most 2.0 KB"),
    ],
    ids=["renamed executable", "oversized"],
)
def test_a_refused_upload_in_the_admin_says_why_on_the_field_and_saves_nothing(
    library: None,
    clinic_people: SimpleNamespace,
    media_root: Path,
    settings,
    data: bytes,
    message: str,
) -> None:
    settings.MEDIA_VIDEO_MAX_BYTES = 2048
    client = verified_login(Client(), clinic_people.owner.user)
    response = client.post(
        reverse("admin:exercises_exercise_add"),
        exercise_form(**media_inline(upload=upload("photo.jpg", data), caption="Wall sit")),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "errorlist" in html
    assert not Exercise.objects.filter(slug="wall-sit").exists()  # nothing, not even the rest
    assert not ExerciseMedia.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_the_shipped_exercises_page_offers_no_upload(
    library: None, clinic_people: SimpleNamespace
) -> None:
    client = verified_login(Client(), clinic_people.owner.user)
    bridge = Exercise.objects.get(slug="glute-bridge")
    html = client.get(reverse("admin:exercises_exercise_change", args=[bridge.pk])).content
    assert b'name="media-0-upload"' not in html and b"media-empty" not in html


# Who gets the file ------------------------------------------------------------------------


@pytest.fixture
def served(clinic_exercise: Exercise, media_root: Path) -> SimpleNamespace:
    picture = add(clinic_exercise, "photo.jpg", jpeg_with_gps())
    video = add(clinic_exercise, "clip.mp4", MP4, caption="The whole movement, side view")
    return SimpleNamespace(picture=picture, video=video)


def fetch(user, media: ExerciseMedia, **headers: str):
    client = Client()
    if user is not None:
        if user.is_staff:
            verified_login(client, user)
        else:
            client.force_login(user)
    return client.get(reverse("exercise_media", args=[media.pk]), **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "colleague", "patient_a"])
def test_the_clinics_staff_and_patients_get_the_file_with_safe_headers(
    clinic_people: SimpleNamespace, served: SimpleNamespace, who: str
) -> None:
    user = getattr(clinic_people, who).user
    response = fetch(user, served.picture)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == served.picture.file.open("rb").read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "patient_b"])
def test_another_clinics_staff_and_patients_get_404(
    clinic_people: SimpleNamespace, served: SimpleNamespace, who: str
) -> None:
    for media in (served.picture, served.video):
        assert fetch(getattr(clinic_people, who).user, media).status_code == 404


@pytest.mark.django_db
def test_anyone_logged_out_is_sent_to_log_in(served: SimpleNamespace) -> None:
    response = fetch(None, served.picture)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_video_is_served_in_parts_as_phones_ask_for_it(
    clinic_people: SimpleNamespace, served: SimpleNamespace
) -> None:
    response = fetch(clinic_people.patient_a.user, served.video, HTTP_RANGE="bytes=4-11")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"ftypmp42"
    assert response["Content-Range"] == f"bytes 4-11/{len(MP4)}"
    assert response["Content-Type"] == "video/mp4"
    beyond = fetch(clinic_people.patient_a.user, served.video, HTTP_RANGE="bytes=99999-")
    assert beyond.status_code == 416


@pytest.mark.django_db
def test_the_library_page_shows_the_clinics_pictures_and_videos_to_its_staff(
    clinic_people: SimpleNamespace, served: SimpleNamespace
) -> None:
    client = verified_login(Client(), clinic_people.colleague.user)
    html = client.get(reverse("exercises:detail", args=["wall-sit"])).content.decode()
    picture_url = reverse("exercise_media", args=[served.picture.pk])
    assert f'src="{picture_url}" alt="Back flat on the wall"' in html
    assert '<video class="exercise-media-file w-100 rounded" controls preload="none"' in html
    assert 'aria-label="The whole movement, side view"' in html
