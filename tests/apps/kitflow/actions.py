"""The relief chain's named actions: `approve(obj=claim, actor=user, opinion="同意")`."""

from tests.apps.kitflow.workflows import RELIEF

submit = RELIEF.action("submit")
review = RELIEF.action("review")
approve = RELIEF.action("approve")
pay = RELIEF.action("pay")
send_back = RELIEF.action("send_back")
reject = RELIEF.action("reject")
