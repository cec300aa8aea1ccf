output "objects" {
  description = "Every object, keyed \"<apiVersion>/<kind>/<namespace>/<name>\" (namespace empty for cluster objects)."
  value = {
    for object in concat(local.objects, local.config_maps) :
    "${object.apiVersion}/${object.kind}/${try(object.metadata.namespace, "")}/${object.metadata.name}" => object
  }
}

output "custom_resource_definitions" {
  description = "The keys of objects that are CustomResourceDefinitions: applied before anything else."
  value = [
    for object in local.objects :
    "${object.apiVersion}/${object.kind}//${object.metadata.name}" if object.kind == "CustomResourceDefinition"
  ]
}

output "namespaces" {
  description = "The keys of objects that are Namespaces: applied before the objects in them."
  value = [
    for object in local.objects :
    "${object.apiVersion}/${object.kind}//${object.metadata.name}" if object.kind == "Namespace"
  ]
}
