"""A clinic's own pictures and videos: what an upload is (found from its bytes, never from its
name), whether it is within the limits, and, for a picture, a clean copy of it.

A picture is decoded by Pillow and written again from its pixels alone: no EXIF (with its GPS
position and camera), no XMP, no ICC profile, no text chunks reach a patient, and a picture
turned by its EXIF orientation is stored upright. A video is recognised by its container's
header (MP4's `ftyp` box, WebM's EBML header) and stored as uploaded: the portal has no video
encoder (ffmpeg), so whatever the phone wrote into it stays (README: record without location).
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat

if TYPE_CHECKING:
    from exercises.models import Media

NOT_MEDIA = "This file is not a picture (JPEG, PNG, WebP) or a video (MP4, WebM)."
UNREADABLE = (
    "This picture could not be read (it may be damaged or cut short): save it again as JPEG, "
    "PNG or WebP and upload that."
)
# Decoding a picture takes memory in proportion to its pixels, whatever the file's size: a
# small PNG can claim 50,000 × 50,000 of them. 80 megapixels holds any phone's photo.
MAX_PIXELS = 80_000_000
# Patients see pictures on a phone or a printed page: larger sides are scaled down.
LONGEST_SIDE = 2000
HEADER_BYTES = 64

# MP4 brands phones and editors write; QuickTime's "qt  " (a .mov) and HEIF pictures ("heic",
# "mif1", "avif") carry an ftyp box too, and are not MP4 videos a browser plays.
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"mmp4",
    b"dash",
    b"MSNV",
}
PICTURE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
}


@dataclass(frozen=True)
class CheckedMedia:
    """An upload found acceptable: its kind ("image" or "video"), the content type its bytes
    show, and the content to store (a picture's clean copy, a video as uploaded)."""

    kind: str
    content_type: str
    content: File
    size: int
    width: int | None = None
    height: int | None = None

    def stored_name(self) -> str:
        """A random name: the uploader's file name (often a date, a place, a patient's name)
        is never stored or served."""
        return f"{uuid.uuid4().hex}.{EXTENSIONS[self.content_type]}"


def sniff(header: bytes) -> str | None:
    """The content type the first bytes show, among those accepted; None for anything else."""
    if header.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "image/webp"
    if header[4:8] == b"ftyp" and header[8:12] in MP4_BRANDS:
        return "video/mp4"
    # EBML's magic number, then its header names the document type: WebM, not any Matroska.
    if header.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in header[:HEADER_BYTES]:
        return "video/webm"
    return None


def _megabytes(limit: int) -> str:
    return filesizeformat(limit).replace("\xa0", " ")


def media_check(upload: File) -> CheckedMedia:
    """The upload, checked: ValidationError with a message for the therapist if it is not a
    picture or video the portal accepts, or is over its limit. Reads no more of a file over
    its limit than its first bytes."""
    upload.seek(0)
    header = upload.read(HEADER_BYTES)
    upload.seek(0)
    content_type = sniff(header)
    if content_type is None:
        raise ValidationError(NOT_MEDIA, code="not_media")
    is_picture = content_type.startswith("image/")
    limit = settings.MEDIA_IMAGE_MAX_BYTES if is_picture else settings.MEDIA_VIDEO_MAX_BYTES
    size = upload.size or 0
    if size > limit:
        noun = "picture" if is_picture else "video"
        raise ValidationError(
            f"This {noun} is {_megabytes(size)}: a {noun} may be at most {_megabytes(limit)}.",
            code="too_large",
        )
    if not is_picture:
        return CheckedMedia(kind="video", content_type=content_type, content=upload, size=size)
    return _clean_picture(upload)


def _clean_picture(upload: File) -> CheckedMedia:
    from PIL import Image, ImageOps, UnidentifiedImageError

    failures = (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    )
    with warnings.catch_warnings():
        # Pillow only warns of a picture between its limit and twice it: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload) as probe:
                picture_format = probe.format
                width, height = probe.size
                if picture_format in PICTURE_FORMATS and width * height <= MAX_PIXELS:
                    probe.verify()  # the whole file's structure, before any pixel is decoded
            if picture_format not in PICTURE_FORMATS:
                raise ValidationError(NOT_MEDIA, code="not_media")
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"This picture is {width:,} × {height:,} pixels: a picture may be at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels.",
                    code="too_many_pixels",
                )
            upload.seek(0)
            with Image.open(upload) as picture:
                if picture_format == "JPEG":
                    # Decode a large JPEG at a fraction of its size: less memory, same result.
                    picture.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))
                picture.load()
                clean = _pixels_only(ImageOps.exif_transpose(picture), picture_format)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ValidationError(
                "This picture has too many pixels to be opened safely: a picture may be at most "
                f"{MAX_PIXELS // 1_000_000} megapixels.",
                code="too_many_pixels",
            ) from None
        except ValidationError:
            raise
        except failures:
            raise ValidationError(UNREADABLE, code="unreadable") from None
        finally:
            upload.seek(0)
    clean.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    written = io.BytesIO()
    options = {"optimize": True} if picture_format == "PNG" else {"quality": 85}
    clean.save(written, format=picture_format, **options)
    data = written.getvalue()
    return CheckedMedia(
        kind="image",
        content_type=PICTURE_FORMATS[picture_format],
        content=ContentFile(data),
        size=len(data),
        width=clean.width,
        height=clean.height,
    )


def _pixels_only(picture, picture_format: str):  # type: ignore[no-untyped-def]
    """A new image holding the picture's pixels and nothing else: its `info` (EXIF, XMP, ICC
    profile, PNG text chunks, comments) is not carried over, whatever each format's writer
    would otherwise copy from it."""
    from PIL import Image

    has_alpha = picture.mode in {"RGBA", "LA", "PA"} or "transparency" in picture.info
    mode = "RGBA" if has_alpha and picture_format != "JPEG" else "RGB"
    pixels = picture.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


# Storing, removing and serving -----------------------------------------------------------------


def media_store(media: Media, upload: File | CheckedMedia) -> Media:
    """Check the upload (unless it is checked already), validate the row, then store the file
    under a random name and save the row. Nothing is stored when anything is refused."""
    checked = upload if isinstance(upload, CheckedMedia) else media_check(upload)
    media.kind, media.content_type, media.size = checked.kind, checked.content_type, checked.size
    media.width, media.height = checked.width, checked.height
    media.full_clean(exclude=["file"])
    media.file.save(checked.stored_name(), checked.content, save=False)
    try:
        media.save()
    except BaseException:
        media.file.storage.delete(media.file.name)
        raise
    return media


def media_file_delete(sender: type, instance: Media, **kwargs: Any) -> None:
    """A removed row's file goes once its removal is committed (a removal rolled back keeps it),
    whether the row went alone or with its exercise or programme."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


class _Slice:
    """The bytes `start` to `end` (inclusive) of an open file, for a range request."""

    def __init__(self, opened: File, start: int, end: int) -> None:
        opened.seek(start)
        self.opened, self.left = opened, end - start + 1

    def read(self, size: int = -1) -> bytes:
        wanted = self.left if size < 0 else min(size, self.left)
        data = self.opened.read(wanted) if wanted > 0 else b""
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.opened.close()


def media_response(request: HttpRequest, media: Media) -> HttpResponse:
    """The file, streamed from the storage with the content type found at upload. A browser
    asking for part of a video (iPhones ask for every video this way, and play nothing that is
    not answered in parts) gets that part."""
    size = media.size
    wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", request.headers.get("Range", "").strip())
    if wanted and (wanted[1] or wanted[2]):
        if wanted[1]:
            start = int(wanted[1])
            end = min(int(wanted[2]), size - 1) if wanted[2] else size - 1
        else:  # the last N bytes
            start, end = max(size - int(wanted[2]), 0), size - 1
        if start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _media_headers(response)
        opened = media.file.storage.open(media.file.name, "rb")
        response = FileResponse(_Slice(opened, start, end), content_type=media.content_type)
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        opened = media.file.storage.open(media.file.name, "rb")
        response = FileResponse(opened, content_type=media.content_type)
        response["Content-Length"] = str(size)
    return _media_headers(response)


def _media_headers(response: HttpResponse) -> HttpResponse:
    response["Accept-Ranges"] = "bytes"
    # Shown in the page, never saved under a name (the uploader's name was not kept anyway);
    # the browser takes the type given, never one it guesses from the bytes.
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # Someone's clinic's file: the browser may not keep it for anyone else (the portal's own
    # middleware adds no-store, as for every page).
    response["Cache-Control"] = "private"
    return response
