"""The upload form of an import page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from omni.kernel.models import ImportMode


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    mode = forms.ChoiceField(
        label=_("When some rows have errors"),
        choices=[
            (ImportMode.ALL_OR_NOTHING, _("Import nothing (all or nothing)")),
            (ImportMode.VALID_ONLY, _("Import the valid rows, report the others")),
        ],
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
