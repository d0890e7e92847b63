"""``{% case_result_documents case as docs %}`` and ``{% case_reference_forms case as forms %}``
for the hall's and the console's case pages (one partial, no change to their views)."""

from django import template

from yibao.documents.case_documents import case_forms, result_documents

register = template.Library()


@register.simple_tag
def case_result_documents(case):
    return result_documents(case)


@register.simple_tag
def case_reference_forms(case):
    return case_forms(case)
