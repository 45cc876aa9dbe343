"""EPUB files of the e-library: recognised by their content, their text read in reading order.

An EPUB (EPUB 3.3, W3C Recommendation 2023; its container, OCF, is a ZIP) begins with an
uncompressed entry named ``mimetype`` holding ``application/epub+zip``, so the first bytes of
the file say what it is. ``META-INF/container.xml`` names the package document (OPF), whose
``manifest`` lists the files and whose ``spine`` gives the reading order of the XHTML content
documents. The text of each spine document, tags dropped (scripts and styles with their
content), is one "page" of the extracted text (pages are joined by a form feed, as a PDF's).
Only the standard library: nothing is run, nothing is fetched.
"""

from __future__ import annotations

import posixpath
import zipfile
from html.parser import HTMLParser
from io import BytesIO
from xml.etree import ElementTree as ET

MIME_TYPE = "application/epub+zip"
# Local file header (30 bytes) + "mimetype" (8) + the media type: what an EPUB begins with.
_HEAD = b"PK\x03\x04"
_CONTAINER_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container"}
_OPF_NS = {"opf": "http://www.idpf.org/2007/opf"}
# An entry larger than this is not read (a ZIP bomb would otherwise fill the memory).
ENTRY_MAX_BYTES = 20_000_000


class EpubError(ValueError):
    """The file is not an EPUB the library can read; the message says why."""


def looks_like_epub(head: bytes) -> bool:
    """Whether the first bytes of a file are an EPUB's (OCF: ``mimetype`` first, stored)."""
    return (
        head.startswith(_HEAD) and head[30:38] == b"mimetype" and MIME_TYPE.encode() in head[38:80]
    )


class _Text(HTMLParser):
    SKIPPED = {"script", "style", "head", "title"}
    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def _read(package: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = package.getinfo(name)
    except KeyError as exc:
        raise EpubError(f"thiếu tệp {name} trong EPUB") from exc
    if info.file_size > ENTRY_MAX_BYTES:
        raise EpubError(f"tệp {name} trong EPUB quá lớn")
    return package.read(info)


def epub_text(data: bytes, *, max_chars: int) -> tuple[str, int]:
    """The text of an EPUB in reading order and its number of content documents."""
    try:
        package = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise EpubError("EPUB hỏng (không mở được gói ZIP)") from exc
    with package:
        try:
            container = ET.fromstring(_read(package, "META-INF/container.xml"))
            rootfile = container.find(".//c:rootfile", _CONTAINER_NS)
            if rootfile is None or not rootfile.get("full-path"):
                raise EpubError("container.xml không chỉ ra tệp gói (OPF)")
            opf_path = rootfile.get("full-path")
            opf = ET.fromstring(_read(package, opf_path))
        except ET.ParseError as exc:
            raise EpubError(f"XML của EPUB hỏng: {exc}") from exc
        base = posixpath.dirname(opf_path)
        manifest = {
            item.get("id"): item
            for item in opf.findall("opf:manifest/opf:item", _OPF_NS)
            if item.get("id")
        }
        pages: list[str] = []
        size = 0
        for ref in opf.findall("opf:spine/opf:itemref", _OPF_NS):
            item = manifest.get(ref.get("idref"))
            if item is None or "html" not in (item.get("media-type") or ""):
                continue
            name = posixpath.normpath(posixpath.join(base, item.get("href", "")))
            parser = _Text()
            parser.feed(_read(package, name).decode("utf-8", "replace"))
            parser.close()
            pages.append(parser.text())
            size += len(pages[-1])
            if size > max_chars:
                break
        if not pages:
            raise EpubError("EPUB không có nội dung trong thứ tự đọc (spine)")
    return "\f".join(pages)[:max_chars], len(pages)
