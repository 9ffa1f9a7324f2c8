"""Forms of a person's side: the assignment's questions with the acknowledgement (one form, one button),
and acknowledging the version in force from the policy's page."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from dpms.uploads import ALLOWED_TYPES_TEXT
from policies.choices import QuestionKind
from policies.services.attestations import Reply, field_name

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


@dataclass
class QuestionFields:
    """One question as the page shows it: its main field and, for yes/no, the explanation a "no" needs."""

    question: object
    field: forms.BoundField
    explanation: forms.BoundField | None = None


class AssignmentForm(forms.Form):
    """The campaign's questions, named by ``field_name``; whether an answer is missing or a "no" lacks its
    explanation is the service's rule (``policies.services.attestations.validate_replies``), shown next to
    the field it names."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            help_text = question.help_text
            if question.kind == QuestionKind.YES_NO:
                self.fields[field_name(question)] = forms.ChoiceField(
                    label=question.text,
                    choices=YES_NO,
                    widget=forms.RadioSelect,
                    required=False,
                    help_text=help_text,
                )
                self.fields[field_name(question, "explanation")] = forms.CharField(
                    label=_("If no: what is missing, and why?"),
                    widget=forms.Textarea(attrs={"rows": 3}),
                    required=False,
                )
            elif question.kind == QuestionKind.TEXT:
                self.fields[field_name(question, "text")] = forms.CharField(
                    label=question.text, required=False, help_text=help_text
                )
            else:
                self.fields[field_name(question, "file")] = forms.FileField(
                    label=question.text,
                    required=False,
                    help_text=help_text or ALLOWED_TYPES_TEXT,
                )

    def grouped(self) -> list[QuestionFields]:
        """The fields question by question, in the campaign's order."""
        groups = []
        for question in self.questions:
            if question.kind == QuestionKind.YES_NO:
                groups.append(
                    QuestionFields(
                        question, self[field_name(question)], self[field_name(question, "explanation")]
                    )
                )
            elif question.kind == QuestionKind.TEXT:
                groups.append(QuestionFields(question, self[field_name(question, "text")]))
            else:
                groups.append(QuestionFields(question, self[field_name(question, "file")]))
        return groups

    def replies(self) -> dict[int, Reply]:
        data = self.cleaned_data
        replies = {}
        for question in self.questions:
            if question.kind == QuestionKind.YES_NO:
                choice = data.get(field_name(question))
                replies[question.pk] = Reply(
                    yes={"yes": True, "no": False}.get(choice or ""),
                    explanation=data.get(field_name(question, "explanation")) or "",
                )
            elif question.kind == QuestionKind.TEXT:
                replies[question.pk] = Reply(text=data.get(field_name(question, "text")) or "")
            else:
                replies[question.pk] = Reply(file=data.get(field_name(question, "file")) or None)
        return replies


class AcknowledgeForm(forms.Form):
    """The version the person read (the page's), so a version published meanwhile is not acknowledged
    unread."""

    version = forms.IntegerField(min_value=1)
