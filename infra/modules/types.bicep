// Types shared by the modules, so that no parameter is a bare 'object'.

@export()
@description('Resource tags: each name maps to a string value.')
type resourceTags = {
  *: string
}
