"""Form widgets shared by the console pages (no JS build: plain HTML, a little Alpine)."""

from __future__ import annotations

from django import forms


class CheckboxPicker(forms.CheckboxSelectMultiple):
    """A many-of-many choice as a scrollable checkbox group with a search box and a count of
    what is ticked (provinces, sales regions): usable on a phone, unlike <select multiple>."""

    template_name = "web/widgets/checkbox_picker.html"
