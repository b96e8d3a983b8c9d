"""The member-service sentence of the review (会员服务卡) now stands in the care section
(gonghui/care/sections.py, 立足普惠 主动服务 为职工排忧解难): the seed prints one section under
that heading, and two sections with one heading printed it twice."""
