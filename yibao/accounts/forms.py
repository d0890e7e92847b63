from django import forms

from yibao.accounts.models import LoginKind

IDENTIFIER_LABELS = {
    LoginKind.PERSON: "公民身份号码",
    LoginKind.UNIT: "统一社会信用代码",
    LoginKind.STAFF: "用户名",
}


class LoginForm(forms.Form):
    kind = forms.ChoiceField(label="登录方式", choices=LoginKind.choices,
                             widget=forms.HiddenInput,
                             error_messages={"invalid_choice": "登录方式无效，可选：个人、单位、经办人员"})
    identifier = forms.CharField(label="账号", max_length=150,
                                 error_messages={"required": "请填写账号"})
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput,
                               strip=False, error_messages={"required": "请填写密码"})

    def __init__(self, *args, kind: str = LoginKind.PERSON, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identifier"].label = IDENTIFIER_LABELS.get(kind, "账号")
        self.fields["identifier"].error_messages["required"] = f"请填写{self.fields['identifier'].label}"


class PersonRegisterForm(forms.Form):
    id_number = forms.CharField(label="公民身份号码", max_length=30,
                                error_messages={"required": "请填写公民身份号码"})
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名"})
    phone = forms.CharField(label="手机号码", max_length=20,
                            error_messages={"required": "请填写手机号码"})
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput,
                               strip=False, error_messages={"required": "请设置密码"})
    password2 = forms.CharField(label="确认密码", max_length=128, widget=forms.PasswordInput,
                                strip=False, error_messages={"required": "请再次输入密码"})

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data
