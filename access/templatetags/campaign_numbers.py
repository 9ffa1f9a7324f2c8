"""A campaign's numbers in templates: reviewed by a person, defaulted (no response) and pending, from a
campaign annotated by ``access.queries.campaigns`` (``{{ campaign|campaign_numbers }}``)."""

from django import template

from access.queries.campaigns import CampaignNumbers, numbers_of

register = template.Library()


@register.filter
def campaign_numbers(campaign) -> CampaignNumbers:
    return numbers_of(campaign)
