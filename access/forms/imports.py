"""Forms of the grant import: the upload and the history filter (confirming and discarding an uploaded file
are buttons: the file is named by its page's address)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.queries.imports import SORTS
from access.services.imports import MAX_FILE_BYTES

# How the sort box names each order.
SORT_LABELS = {
    "newest": gettext_lazy("Newest"),
    "oldest": gettext_lazy("Oldest"),
    "filename": gettext_lazy("File name"),
    "created": gettext_lazy("Most new grants"),
    "flagged": gettext_lazy("Most flagged"),
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=gettext_lazy("UTF-8, header row required, at most 5 MB."),
    )
    full = forms.BooleanField(
        required=False,
        label=gettext_lazy("Full export of these systems"),
        help_text=gettext_lazy(
            "Active grants of the systems in the file that the file does not list are flagged for "
            "reconciliation (never revoked)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it by system."))
        return upload


class ImportFilterForm(forms.Form):
    system = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=gettext_lazy("All systems"), label=gettext_lazy("System")
    )
    uploaded_by = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Uploaded by"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("name or email")}),
    )
    full = forms.ChoiceField(
        required=False,
        choices=[
            ("", gettext_lazy("Full or partial")),
            ("yes", gettext_lazy("Full exports")),
            ("no", gettext_lazy("Partial files")),
        ],
        label=gettext_lazy("Full"),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, SORT_LABELS[key]) for key in SORTS],
        initial="newest",
        label=gettext_lazy("Sort"),
    )

    def __init__(self, *args, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
