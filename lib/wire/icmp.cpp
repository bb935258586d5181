// placeholder: implemented by the wire work
