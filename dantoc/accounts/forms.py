from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from dantoc.accounts.models import Role
from dantoc.accounts.selectors import roles_offered
from dantoc.geo.pickers import UnitPickerField


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: nhập sai nhiều lần, tài khoản sẽ "
            "bị tạm khoá."
        ),
        "inactive": _("Tài khoản này đã bị khoá."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["password"].label = _("Mật khẩu")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực 6 số"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class RolesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.localized_name


def _offer_current_roles(form) -> None:
    # District roles are not offered after the 2025 reform: there are no districts any more.
    offered = [r.code for r in roles_offered()]
    form.fields["roles"].queryset = Role.objects.filter(code__in=offered).order_by("code")


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("Tên đăng nhập"),
        max_length=150,
        regex=r"^[a-z0-9][a-z0-9._-]*$",
        error_messages={
            "invalid": _("Chỉ dùng chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.")
        },
    )
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    position = forms.CharField(label=_("Chức vụ"), max_length=150, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    unit_code = UnitPickerField(label=_("Đơn vị"))
    roles = RolesField(
        label=_("Vai trò"),
        queryset=Role.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Mỗi vai trò chỉ giao cho tài khoản thuộc đơn vị đúng cấp của vai trò."),
    )
    password = forms.CharField(
        label=_("Mật khẩu ban đầu"), widget=forms.PasswordInput, min_length=10
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_current_roles(self)


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    position = forms.CharField(label=_("Chức vụ"), max_length=150, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    unit_code = UnitPickerField(label=_("Đơn vị"))
    roles = RolesField(
        label=_("Vai trò"),
        queryset=Role.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Mỗi vai trò chỉ giao cho tài khoản thuộc đơn vị đúng cấp của vai trò."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_current_roles(self)


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm theo tên, tên đăng nhập, thư điện tử hoặc đơn vị"),
        required=False,
        max_length=100,
    )
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), ("active", _("Đang hoạt động")), ("inactive", _("Đã khoá"))],
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("Mật khẩu hiện tại không đúng."),
        "password_mismatch": _("Hai lần nhập mật khẩu mới không giống nhau."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mật khẩu hiện tại")
        _label_new_password(self)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Forgotten password: the link's e-mail goes through the platform's outbox
    (``services.password_reset_mail``) instead of straight to the mail server."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.template import loader

        from dantoc.accounts.services import password_reset_mail

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        password_reset_mail(
            user=context["user"],
            address=to_email,
            subject=subject,
            body=body,
            token=context["token"],
            send_directly=lambda: super(PasswordResetForm, self).send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            ),
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_mismatch": _("Hai lần nhập mật khẩu mới không giống nhau."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _label_new_password(self)


def _label_new_password(form) -> None:
    form.fields["new_password1"].label = _("Mật khẩu mới")
    form.fields["new_password1"].help_text = _(
        "Ít nhất 10 ký tự, không quá giống tên đăng nhập, không phải mật khẩu phổ biến, "
        "không chỉ gồm chữ số."
    )
    form.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
