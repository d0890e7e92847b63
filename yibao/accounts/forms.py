from django import forms

from yibao.accounts.models import INSTITUTION_KIND, LOGIN_CHOICES, LoginKind

IDENTIFIER_LABELS = {
    LoginKind.PERSON: "公民身份号码",
    LoginKind.UNIT: "统一社会信用代码",
    INSTITUTION_KIND: "统一社会信用代码",
    LoginKind.STAFF: "用户名",
}


class LoginForm(forms.Form):
    kind = forms.ChoiceField(label="登录方式", choices=LOGIN_CHOICES,
                             widget=forms.HiddenInput,
                             error_messages={"invalid_choice": "登录方式无效，可选：个人、单位、定点医药机构、经办人员"})
    identifier = forms.CharField(label="账号", max_length=150,
                                 error_messages={"required": "请填写账号"})
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput,
                               strip=False, error_messages={"required": "请填写密码"})

    def __init__(self, *args, kind: str = LoginKind.PERSON, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identifier"].label = IDENTIFIER_LABELS.get(kind, "账号")
        self.fields["identifier"].error_messages["required"] = f"请填写{self.fields['identifier'].label}"


class RegisterForm(forms.Form):
    """Registration of a person (ID number) or unit (USCC), proven by a one-time code.

    "获取短信验证码" needs only the first two fields; "注册" needs them all.
    """

    identifier = forms.CharField(label="公民身份号码", max_length=30,
                                 error_messages={"required": "请填写公民身份号码"})
    name = forms.CharField(label="姓名", max_length=100, error_messages={"required": "请填写姓名"})
    code = forms.CharField(label="短信验证码或窗口实名激活码", max_length=20, required=False)
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput,
                               strip=False, required=False)
    password2 = forms.CharField(label="确认密码", max_length=128, widget=forms.PasswordInput,
                                strip=False, required=False)

    def __init__(self, *args, kind: str = LoginKind.PERSON, sending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = sending
        if kind == LoginKind.UNIT:
            self.fields["identifier"].label = "统一社会信用代码"
            self.fields["identifier"].error_messages["required"] = "请填写统一社会信用代码"
            self.fields["name"].label = "单位名称"
            self.fields["name"].error_messages["required"] = "请填写单位名称"

    def clean(self):
        data = super().clean()
        if self.sending:
            return data
        for field, message in (("code", "请填写短信验证码或窗口实名激活码"), ("password", "请设置密码"),
                               ("password2", "请再次输入密码")):
            if not data.get(field):
                self.add_error(field, message)
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class PhoneChangeForm(forms.Form):
    phone = forms.CharField(label="新手机号码", max_length=20, error_messages={"required": "请填写新手机号码"})
    code = forms.CharField(label="短信验证码", max_length=10, required=False)


class WindowActivationForm(forms.Form):
    kind = forms.ChoiceField(label="对象", choices=[(LoginKind.PERSON, "个人"), (LoginKind.UNIT, "单位")],
                             error_messages={"invalid_choice": "对象无效，可选：个人、单位"})
    identifier = forms.CharField(label="公民身份号码 / 统一社会信用代码", max_length=30,
                                 error_messages={"required": "请填写公民身份号码或统一社会信用代码"})
    name = forms.CharField(label="姓名 / 单位名称（按证件填写）", max_length=100,
                           error_messages={"required": "请填写姓名或单位名称"})
    phone = forms.CharField(label="手机号码（可不填）", max_length=20, required=False)
    document_checked = forms.BooleanField(label="已当面核验身份证原件（单位：统一社会信用代码证书原件）", required=False)
