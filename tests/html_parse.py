"""Tags and text of an HTML page or fragment, parsed by the standard library (independent of our escaping)."""
from __future__ import annotations

from html.parser import HTMLParser


class TagsAndText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse_html(fragment: str) -> TagsAndText:
    p = TagsAndText()
    p.feed(fragment)
    p.close()
    return p
