# Exact type() checks instead of isinstance (fine: lazy layers become plain Conv2d/Linear when materialised).
def init_cnn(module):
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)
