from django import forms

from dantoc.core.sorting import natural_key


class _NaturalOrder(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in sorted(self.queryset, key=lambda c: natural_key(c.code)):
            yield self.choice(obj)


class ComponentChoiceField(forms.ModelChoiceField):
    """A project picker listing DA1, DA2, …, DA3.1, DA10, DA10.1 (codes in natural order)."""

    iterator = _NaturalOrder
