"""The approval opinion (审批意见): each user's stock phrases (常用意见) and the office's rule of which
roles' decisions need one (per plan). The rule reaches the engine as the ``opinion_roles`` fact."""
