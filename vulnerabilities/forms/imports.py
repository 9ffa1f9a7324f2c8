"""Forms of the scanner imports: the upload and the list's filter."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vulnerabilities.choices import ScanFormat, ScanImportState
from vulnerabilities.services.scanners import MAX_SCAN_BYTES, size_problem


class ScanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Scanner report"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        help_text=format_lazy(_("JSON, at most {size} MB."), size=MAX_SCAN_BYTES // (1024 * 1024)),
    )
    system = forms.ModelChoiceField(
        queryset=None, required=False, label=_("System"), empty_label=_("The one the file names")
    )
    format = forms.ChoiceField(
        required=False,
        label=_("Format"),
        choices=[("", _("Recognise it")), *ScanFormat.choices],
        help_text=_("The tool that wrote the file."),
    )
    full = forms.BooleanField(
        required=False,
        label=_("Full scan of the system"),
        help_text=_(
            "Its open scanner vulnerabilities that this scan no longer finds are marked fixed (not "
            "found in scan of that day), pending verification by a security officer."
        ),
    )

    def __init__(self, *args, systems, system_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
        self.fields["system"].required = system_required
        if system_required:
            self.fields["system"].empty_label = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        too_large = size_problem(upload.size)
        if too_large:
            raise forms.ValidationError(too_large)
        return upload


class ScanImportFilterForm(forms.Form):
    system = forms.ModelChoiceField(
        queryset=None, required=False, label=_("System"), empty_label=_("All systems")
    )
    state = forms.ChoiceField(
        required=False, label=_("State"), choices=[("", _("Any state")), *ScanImportState.choices]
    )

    def __init__(self, *args, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
