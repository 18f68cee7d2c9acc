"""netspo: the college's data model and the rules of the regulation
«О работе в региональной информационной системе „Сетевой Город. Образование. Модуль ПОО“»."""

__version__ = "0.1.0"
